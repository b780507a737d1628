import { RoutingDocumentSchema } from '@aigw/config';
import type { AttemptFinished, RouteRequest } from '@aigw/contracts';
import { PriceSection } from '@aigw/pricing';
import { HealthBoard } from './health/health-board';
import { RoutePlanner } from './route-planner';

const providers = {
  up: { kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' },
  far: { kind: 'openai', baseUrl: 'http://127.0.0.1:2/v1' },
};
const deployments = {
  a: { provider: 'up', model: 'm-a' },
  b: { provider: 'up', model: 'm-b' },
  c: { provider: 'far', model: 'm-c' },
  d: { provider: 'far', model: 'm-d' },
};
const routing = { breaker: { consecutiveFailures: 2, cooldownMs: 1_000 }, latency: { alpha: 0.5, exploration: 0.1 }, healthCheck: { enabled: false } };

/** A planner on a board with a clock the test moves. */
function plannerFor(doc: Record<string, unknown>, prices: unknown = undefined) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const parsed = RoutingDocumentSchema.parse({ providers, deployments, routing, ...doc });
  const proposals: string[] = [];
  const board = new HealthBoard({
    settings: () => parsed.routing,
    replicaId: 'test',
    onProposal: (id, record) => proposals.push(`${id}:${record.state}`),
    now: () => now,
  });
  const planner = new RoutePlanner(parsed, board, PriceSection.parse(prices));
  const route = (request: Partial<RouteRequest> = {}) => planner.route({ model: 'chat', ...request });
  const ids = (request: Partial<RouteRequest> = {}) => route(request).candidates.map((c) => c.id);
  const finish = (deploymentId: string, outcome: AttemptFinished['outcome'], extra: Partial<AttemptFinished> = {}) =>
    board.finished({ requestId: `r-${Math.random()}`, attempt: 1, deploymentId, source: 'proxy', outcome, latencyMs: 10, streamed: false, ts: now, ...extra });
  return { planner, board, route, ids, finish, proposals, tick: (ms: number) => (now += ms) };
}

describe('route planner – health', () => {
  it('planner – moves a deployment whose circuit opened behind the healthy ones, and offers it alone only when all are down', () => {
    const p = plannerFor({ models: { chat: { deployments: ['a', 'b'] } } });
    p.finish('a', 'server_error');
    p.finish('a', 'server_error');
    expect(p.proposals).toEqual(['a:open']);
    expect(p.ids()).toEqual(['b']);
    p.finish('b', 'timeout');
    p.finish('b', 'network_error');
    // Both down: the one that reopens first is offered first.
    expect(p.ids()).toEqual(['a', 'b']);
  });

  it('planner – sends one request at a time to a half-open deployment as its probe, first in line', () => {
    const p = plannerFor({ models: { chat: { deployments: ['a', 'b'] } } });
    p.finish('a', 'server_error');
    p.finish('a', 'server_error');
    p.tick(1_001);
    expect(p.ids({ requestId: 'probe-1' })).toEqual(['a', 'b']);
    expect(p.ids({ requestId: 'other' })).toEqual(['b', 'a']);
    p.finish('a', 'ok', { requestId: 'probe-1' });
    expect(p.proposals).toEqual(['a:open', 'a:closed']);
    expect(p.ids()).toEqual(['a', 'b']);
  });

  it('planner – keeps a deployment that answered 429 aside for its retry-after', () => {
    const p = plannerFor({ models: { chat: { deployments: ['a', 'b'] } } });
    p.finish('a', 'rate_limited', { retryAfterMs: 2_000 });
    expect(p.ids()).toEqual(['b']);
    p.tick(2_001);
    expect(p.ids()).toEqual(['a', 'b']);
    expect(p.proposals).toEqual([]);
  });

  it('planner – ignores outcomes that say nothing about the upstream', () => {
    const p = plannerFor({ models: { chat: { deployments: ['a', 'b'] } } });
    for (const outcome of ['client_error', 'aborted', 'no_credential'] as const) for (let i = 0; i < 3; i += 1) p.finish('a', outcome);
    expect(p.ids()).toEqual(['a', 'b']);
  });
});

describe('route planner – strategies', () => {
  it('weighted – splits 5:3 exactly over 8,000 decisions, never more than two in a row to one deployment', () => {
    const p = plannerFor({ models: { chat: { strategy: 'weighted', deployments: [{ id: 'a', weight: 5 }, { id: 'b', weight: 3 }] } } });
    const firsts = Array.from({ length: 8_000 }, () => p.ids()[0]);
    expect(firsts.filter((id) => id === 'a')).toHaveLength(5_000);
    let run = 1;
    let longest = 1;
    for (let i = 1; i < firsts.length; i += 1) longest = Math.max(longest, (run = firsts[i] === firsts[i - 1] ? run + 1 : 1));
    expect(longest).toBeLessThanOrEqual(2);
  });

  it('weighted – shares traffic among the healthy deployments only', () => {
    const p = plannerFor({ models: { chat: { strategy: 'weighted', deployments: [{ id: 'a', weight: 5 }, { id: 'b', weight: 3 }, { id: 'c', weight: 2 }] } } });
    p.finish('a', 'server_error');
    p.finish('a', 'server_error');
    const firsts = Array.from({ length: 500 }, () => p.ids()[0]);
    expect(firsts.filter((id) => id === 'b')).toHaveLength(300);
    expect(firsts.filter((id) => id === 'c')).toHaveLength(200);
  });

  it('latency – sends most requests to the fastest, explores the others, and re-admits one that recovered', () => {
    const p = plannerFor({ models: { chat: { strategy: 'latency', deployments: ['a', 'b', 'c'] } } });
    const ttft = { a: 300, b: 50, c: 150 } as Record<string, number>;
    const serve = (n: number) => {
      const firsts: string[] = [];
      for (let i = 0; i < n; i += 1) {
        const first = p.ids({ features: { stream: true } })[0]!;
        firsts.push(first);
        p.tick(10);
        p.finish(first, 'ok', { ttftMs: ttft[first], latencyMs: ttft[first]! * 2 });
      }
      return firsts;
    };
    serve(30);
    const steady = serve(200);
    expect(steady.filter((id) => id === 'b').length / steady.length).toBeGreaterThanOrEqual(0.8);
    expect(new Set(steady)).toEqual(new Set(['a', 'b', 'c']));
    ttft.a = 10;
    const after = serve(200);
    expect(after.slice(-100).filter((id) => id === 'a').length).toBeGreaterThanOrEqual(80);
  });

  it('latency – measures each new deployment with one request at a time instead of flooding it', () => {
    const p = plannerFor({ models: { chat: { strategy: 'latency', deployments: ['a', 'b'] } } });
    p.finish('a', 'ok', { ttftMs: 100 });
    // b has never been measured: the first request goes there, the next ones wait for its answer.
    expect(p.ids({ requestId: 'r1', features: { stream: true } })[0]).toBe('b');
    expect(p.ids({ requestId: 'r2', features: { stream: true } })[0]).toBe('a');
    p.finish('b', 'ok', { requestId: 'r1', ttftMs: 20 });
    expect(p.ids({ requestId: 'r3', features: { stream: true } })[0]).toBe('b');
  });

  it('least-in-flight – picks the deployment with the fewest attempts in flight, counting its own fresh decisions', () => {
    const p = plannerFor({ models: { chat: { strategy: 'least-in-flight', deployments: ['a', 'b', 'c'] } } });
    for (const [i, id] of ['a', 'a', 'b'].entries()) p.board.started({ requestId: `s${i}`, attempt: 1, deploymentId: id, ts: 0 });
    expect(p.ids({ requestId: 'n1' })[0]).toBe('c');
    // n1 is now reserved on c: c and b have one each, a two.
    expect(p.ids({ requestId: 'n2' }).slice(-1)).toEqual(['a']);
    p.finish('a', 'ok', { requestId: 's0' });
    p.finish('a', 'ok', { requestId: 's1' });
    expect(p.ids({ requestId: 'n3' })[0]).toBe('a');
  });

  it('least-in-flight – spreads idle traffic by turns instead of sending it all to the first', () => {
    const p = plannerFor({ models: { chat: { strategy: 'least-in-flight', deployments: ['a', 'b', 'c'] } } });
    expect([p.ids()[0], p.ids()[0], p.ids()[0]].sort()).toEqual(['a', 'b', 'c']);
  });

  it('cost – cheapest expected cost for this request first, unpriced last', () => {
    const prices = {
      currency: 'USD',
      models: {
        'm-a': [{ from: '2020-01-01', input: '1', output: '1' }],
        'm-b': [{ from: '2020-01-01', input: '0.1', output: '10' }],
        'far/m-c': [{ from: '2020-01-01', input: '3', output: '0.5' }],
      },
    };
    const p = plannerFor({ models: { chat: { strategy: 'cost', deployments: ['d', 'a', 'b', 'c'] } } }, prices);
    // Long prompt, short answer: b's cheap input wins.
    expect(p.ids({ features: { promptTokens: 10_000, maxTokens: 10 } })).toEqual(['b', 'a', 'c', 'd']);
    // Short prompt, long answer: c's cheap output wins.
    expect(p.ids({ features: { promptTokens: 10, maxTokens: 4_000 } })).toEqual(['c', 'a', 'b', 'd']);
  });

  it('capacity – routes away from a deployment near its requests-per-minute capacity before it is reached', () => {
    const p = plannerFor({
      deployments: { ...deployments, a: { provider: 'up', model: 'm-a', capacity: { rpm: 10 } } },
      models: { chat: { deployments: ['a', 'b'] } },
    });
    for (let i = 0; i < 8; i += 1) p.board.started({ requestId: `s${i}`, attempt: 1, deploymentId: 'a', ts: 0 });
    expect(p.ids({ requestId: 'ninth' })).toEqual(['a', 'b']);
    // The ninth is reserved on a: 9 of 10 leaves 10 % headroom, which is not more than the minimum.
    expect(p.ids({ requestId: 'tenth' })).toEqual(['b', 'a']);
    p.tick(61_000);
    expect(p.ids()).toEqual(['a', 'b']);
  });

  it('capacity – the capacity strategy prefers the most free tokens-per-minute', () => {
    const p = plannerFor({
      deployments: { ...deployments, a: { provider: 'up', model: 'm-a', capacity: { tpm: 10_000 } }, b: { provider: 'up', model: 'm-b', capacity: { tpm: 1_000 } } },
      models: { chat: { strategy: 'capacity', deployments: ['a', 'b'] } },
    });
    p.board.started({ requestId: 's', attempt: 1, deploymentId: 'a', promptTokens: 5_000, ts: 0 });
    p.board.started({ requestId: 't', attempt: 1, deploymentId: 'b', promptTokens: 100, ts: 0 });
    expect(p.ids()).toEqual(['b', 'a']);
    p.finish('b', 'ok', { requestId: 't', completionTokens: 600 });
    expect(p.ids()).toEqual(['a', 'b']);
  });

  it('auto – classifies the request and puts its class\'s preferred deployments first', () => {
    const p = plannerFor({
      models: { chat: { strategy: 'auto', deployments: ['a', 'b', 'c'], preferences: { coding: ['c', 'b'], general: ['b'] } } },
    });
    expect(p.route({ features: { sample: 'Fix this Python function, it throws' } })).toMatchObject({ class: 'coding' });
    expect(p.ids({ features: { sample: 'Fix this Python function' } })).toEqual(['c', 'b', 'a']);
    expect(p.ids({ features: { sample: 'Write a poem about the sea' } })).toEqual(['b', 'a', 'c']);
    expect(p.route({ features: { sample: 'hello', classHint: 'coding' } }).candidates[0]!.id).toBe('c');
  });
});

describe('route planner – request fit', () => {
  it('fallbacks – tries the fallback aliases after the alias\'s own deployments, marking whom they serve', () => {
    const p = plannerFor({
      models: { chat: { deployments: ['a'], fallbacks: ['backup'] }, backup: { deployments: ['c', 'a'], fallbacks: ['last'] }, last: { deployments: ['d'] } },
    });
    expect(p.route().candidates.map((c) => [c.id, c.alias])).toEqual([
      ['a', undefined],
      ['c', 'backup'],
      ['d', 'last'],
    ]);
  });

  it('tags – offers only deployments carrying the tags the request requires, and says when none does', () => {
    const p = plannerFor({
      deployments: { ...deployments, b: { provider: 'up', model: 'm-b', tags: { region: 'eu' } } },
      models: { chat: { deployments: ['a', 'b'] } },
    });
    expect(p.ids({ features: { tags: { region: 'eu' } } })).toEqual(['b']);
    expect(() => p.route({ features: { tags: { region: 'us' } } })).toThrow(/carries the tags region=us/);
  });

  it('context window – a request too big for a deployment goes elsewhere first', () => {
    const p = plannerFor({
      deployments: { ...deployments, a: { provider: 'up', model: 'm-a', contextWindow: 1_000 } },
      models: { chat: { deployments: ['a', 'b'] } },
    });
    expect(p.ids({ features: { promptTokens: 900, maxTokens: 200 } })).toEqual(['b', 'a']);
    expect(p.ids({ features: { promptTokens: 700, maxTokens: 200 } })).toEqual(['a', 'b']);
  });

  it('config – a new configuration is used by the next decision', () => {
    const p = plannerFor({ models: { chat: { deployments: ['a', 'b'] } } });
    p.planner.setConfig(RoutingDocumentSchema.parse({ providers, deployments, routing, models: { chat: { deployments: ['d', 'c'] } } }));
    expect(p.ids()).toEqual(['d', 'c']);
  });
});
