import { Subjects } from '@aigw/contracts';
import { CLIENT, hopBreakdown, SERVER, type SpanRecord } from './hops';

/** One gateway request's spans, times in ms from `at` (Unix ms). */
function request(id: string, at: number, opts: { withRouter?: boolean } = {}): SpanRecord[] {
  const us = (ms: number) => (at + ms) * 1000;
  const span = (service: string, name: string, kind: number, parent: string, start: number, end: number, suffix: string): SpanRecord => ({
    service,
    name,
    kind,
    id: `${id}-${suffix}`,
    parent,
    start: us(start),
    end: us(end),
  });
  const proxy = span('proxy', 'POST', SERVER, '', 0, 70, 'p');
  const spans = [
    proxy,
    // A key the proxy had not cached: a bus call too, not the upstream one.
    span('proxy', Subjects.authVerifyKey, CLIENT, proxy.id, 0, 1, 'k'),
    span('proxy', Subjects.quotaAdmit, CLIENT, proxy.id, 1, 9, 'ac'),
    span('quota', Subjects.quotaAdmit, SERVER, `${id}-ac`, 4, 6, 'as'),
    span('proxy', Subjects.routerRoute, CLIENT, proxy.id, 1, 8, 'rc'),
    span('proxy', 'chat mock-bench', CLIENT, proxy.id, 10, 65, 'u'),
  ];
  if (opts.withRouter !== false) spans.push(span('router', Subjects.routerRoute, SERVER, `${id}-rc`, 3, 4, 'rs'));
  return spans;
}

describe('hopBreakdown – where a gateway request spent its time', () => {
  it('measures each hop between the proxy, quota, the router and the upstream', () => {
    expect(hopBreakdown(request('a', 1000), [[900, 1100]]).ms).toEqual({
      toQuota: { p50: 3, mean: 3 },
      quota: { p50: 2, mean: 2 },
      fromQuota: { p50: 3, mean: 3 },
      toRouter: { p50: 2, mean: 2 },
      router: { p50: 1, mean: 1 },
      fromRouter: { p50: 4, mean: 4 },
      proxyBeforeUpstream: { p50: 2, mean: 2 },
      upstream: { p50: 55, mean: 55 },
      proxyAfterUpstream: { p50: 5, mean: 5 },
      proxySpan: { p50: 70, mean: 70 },
    });
  });

  it('counts only requests that began within the measured windows', () => {
    const spans = [...request('warm-up', 500), ...request('measured', 1000), ...request('between', 3000), ...request('later', 5000)];
    expect(hopBreakdown(spans, [[900, 1100], [4900, 5100]]).requests).toBe(2);
    expect(hopBreakdown(spans, [[0, 100]])).toEqual({ requests: 0, ms: {} });
  });

  it('leaves out a request whose spans did not all arrive', () => {
    expect(hopBreakdown(request('a', 1000, { withRouter: false }), [[900, 1100]]).requests).toBe(0);
  });
});
