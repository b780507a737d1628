import { summaryRows, type ScenarioFigures } from './summary';

const nonStream: ScenarioFigures = {
  scenario: 'non-stream',
  rps: { direct: 950.81, gateway: 549.53, ratio: 0.58 },
  latencyMs: { added: { p50: 36.35, p99: 84.56 } },
  cpuMsPerRequest: { total: 1.98, proxy: 0.91 },
  errors: { direct: {}, gateway: { http_429: 2, timeout: 1 } },
};
const stream: ScenarioFigures = {
  scenario: 'stream',
  rps: { direct: 302.34, gateway: 240.59, ratio: 0.8 },
  latencyMs: { added: { p50: 39.95, p99: 70.27 } },
  ttftMs: { added: { p50: 30.83, p99: 71.19 } },
  chunkGapMs: { direct: { p99: 8.99 }, gateway: { p99: 23.63 } },
  cpuMsPerRequest: { total: 3.93, proxy: 2.33 },
  errors: { direct: {}, gateway: {} },
};
const withBare: ScenarioFigures = { ...nonStream, bare: { roundTrips: 0, ratio: 0.98, added: { p50: 0.78, p99: 5.03 }, cpuMsPerRequest: 0.18 } };

describe('summaryRows – the table a run ends with', () => {
  it('one row per scenario: throughput and its ratio, added latency (a stream’s to its first token), chunk gaps, CPU, errors (direct in brackets)', () => {
    expect(summaryRows([nonStream, stream])).toEqual({
      'non-stream': {
        'req/s direct': 950.81,
        'req/s gateway': 549.53,
        ratio: 0.58,
        'added p50 ms': 36.35,
        'added p99 ms': 84.56,
        'chunk gap p99 ms': '',
        'CPU ms/req': 1.98,
        'proxy CPU ms/req': 0.91,
        errors: '3 (0)',
      },
      stream: {
        'req/s direct': 302.34,
        'req/s gateway': 240.59,
        ratio: 0.8,
        'added p50 ms': 30.83,
        'added p99 ms': 71.19,
        'chunk gap p99 ms': '23.63 (8.99)',
        'CPU ms/req': 3.93,
        'proxy CPU ms/req': 2.33,
        errors: '0 (0)',
      },
    });
  });

  it('with --bare, the bare proxy\'s throughput ratio, added latency and CPU in one more column', () => {
    expect(summaryRows([withBare])['non-stream']).toMatchObject({ ratio: 0.58, 'bare proxy: ratio; added p50 / p99; CPU': '0.98; 0.78 / 5.03 ms; 0.18 ms' });
  });

  it('with --bare-round-trips, says in that column\'s name how many round trips the bare proxy made', () => {
    const row = summaryRows([{ ...withBare, bare: { ...withBare.bare!, roundTrips: 2 } }])['non-stream']!;
    expect(row['bare proxy + 2 NATS round trips: ratio; added p50 / p99; CPU']).toBe('0.98; 0.78 / 5.03 ms; 0.18 ms');
  });
});
