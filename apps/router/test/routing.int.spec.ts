import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { BusClient, encodeJson } from '@aigw/bus';
import { parseGatewayConfig } from '@aigw/config';
import { AttemptsReportedEvent, Buckets, Route, type AttemptFinished, type AttemptStarted, type AttemptsReported } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { freePort, metricValue, parseMetrics, startNatsServer, type TestServer } from '@aigw/testing';
import { runRoutesCli } from '../src/config/routes-cli';
import { openRoutingBucket, readRouting } from '../src/config/routing-store';
import { circuitKey, openRouterStateBucket, startCircuitSync } from '../src/health/circuit-sync';
import { startRouterService, type RouterService } from '../src/router-service';

const CONFIG = (deadPort: number) => `
providers:
  up: { kind: openai, baseUrl: "http://127.0.0.1:${deadPort}/v1" }
deployments:
  a: { provider: up, model: m-a }
  b: { provider: up, model: m-b }
  c: { provider: up, model: m-c }
models:
  chat:
    deployments: [a, b]
  split:
    strategy: weighted
    deployments:
      - { id: a, weight: 5 }
      - { id: c, weight: 3 }
routing:
  breaker: { consecutiveFailures: 3, cooldownMs: 600 }
  # Checks run when a test asks; the timer would only fire after the suite.
  healthCheck: { intervalMs: 60000 }
`;

const quiet = createLogger('router', 'silent');
const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 3_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

let nats: TestServer;
let nc: NatsConnection;
let bus: BusClient;
let kv: KV;
let config: ReturnType<typeof parseGatewayConfig>;
const routers: RouterService[] = [];
const startRouter = async (replicaId: string) => {
  const router = await startRouterService({ natsUrl: nats.url, opsPort: 0, config, logger: quiet, replicaId });
  routers.push(router);
  return router;
};
const firstOf = async (model: string) => (await bus.request(Route, { model })).candidates[0]!.id;
const failure = (deploymentId: string, n: number): AttemptFinished => ({
  requestId: `req-${deploymentId}-${n}`,
  attempt: 1,
  deploymentId,
  source: 'proxy',
  outcome: 'server_error',
  status: 500,
  latencyMs: 5,
  streamed: false,
  ts: Date.now(),
});
const report = (batch: Partial<Omit<AttemptsReported, 'v'>>) =>
  nc.publish(AttemptsReportedEvent.subject, encodeJson({ v: 1, started: [], finished: [], ...batch } satisfies AttemptsReported));

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  bus = new BusClient(nc, { timeoutMs: 2_000 });
  config = parseGatewayConfig(CONFIG(await freePort()), 'routing test config', {});
  kv = await openRoutingBucket(nc);
});

afterAll(async () => {
  for (const router of routers) await router.close();
  await nc?.close();
  await nats?.cleanup();
});

describe('router – weighted routing', () => {
  it('weighted – splits 5:3 within 2 % over 8,000 route requests', async () => {
    await startRouter('replica-a');
    const counts = new Map<string, number>();
    const started = performance.now();
    for (let batch = 0; batch < 80; batch += 1) {
      const firsts = await Promise.all(Array.from({ length: 100 }, () => firstOf('split')));
      for (const id of firsts) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const share = (counts.get('a') ?? 0) / 8_000;
    expect(Math.abs(share - 5 / 8)).toBeLessThan(0.02);
    expect((counts.get('a') ?? 0) + (counts.get('c') ?? 0)).toBe(8_000);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe('router – decision time', () => {
  it('times every decision, a refusal included, in its histogram', async () => {
    const [one] = routers;
    expect(routers).toHaveLength(1);
    const decisions = async () => {
      const samples = parseMetrics(await (await fetch(`http://127.0.0.1:${one!.opsPort}/metrics`)).text());
      return { count: metricValue(samples, 'aigw_router_decision_duration_seconds_count')!, sum: metricValue(samples, 'aigw_router_decision_duration_seconds_sum')! };
    };
    const before = await decisions();
    for (let i = 0; i < 10; i += 1) await firstOf('chat');
    await expect(bus.request(Route, { model: 'no-such-alias' })).rejects.toMatchObject({ code: 'model_not_found' });
    const after = await decisions();
    expect(after.count - before.count).toBe(11);
    expect(after.sum).toBeGreaterThan(before.sum);
  });
});

describe('router – circuits shared by replicas', () => {
  it('circuits – two replicas open, half-open and close a deployment\'s circuit together, and a replica started later knows it', async () => {
    const [one] = routers;
    const two = await startRouter('replica-b');
    report({ finished: [0, 1, 2].map((i) => failure('a', i)) });
    await until(() => one!.standings().a === 'open' && two.standings().a === 'open');
    // Whichever replica answers, the request goes to b.
    for (let i = 0; i < 10; i += 1) expect(await firstOf('chat')).toBe('b');

    const three = await startRouter('replica-c');
    expect(three.standings().a).toBe('open');

    await until(() => routers.every((r) => r.standings().a === 'half_open'), 2_000);
    report({ finished: [{ ...failure('a', 99), outcome: 'ok', status: 200 }] });
    await until(() => routers.every((r) => r.standings().a === 'closed'));
    expect(await firstOf('chat')).toBe('a');
  });

  it('circuits – a replica has applied the circuits in force by the time its sync has started, before it routes anything', async () => {
    // A bucket of its own: the replicas above watch the real one.
    const state = await new Kvm(nc).create('circuit-sync-start', { history: 1 });
    try {
      await state.put(circuitKey('x'), JSON.stringify({ state: 'open', until: Date.now() + 60_000, opens: 1, gen: 3, by: 'replica-z' }));
      const applied: Array<[string, number]> = [];
      const sync = await startCircuitSync(state, (id, record) => applied.push([id, record.gen]), quiet);
      expect(applied).toEqual([['x', 3]]);
      sync.stop();
    } finally {
      await state.destroy();
    }
  });
});

describe('router – attempt reports', () => {
  const inFlight = async (router: RouterService, deploymentId: string) =>
    metricValue(parseMetrics(await (await fetch(`http://127.0.0.1:${router.opsPort}/metrics`)).text()), 'aigw_router_in_flight', { deployment: deploymentId });
  const start = (requestId: string): AttemptStarted => ({ requestId, attempt: 1, deploymentId: 'c', ts: Date.now() });

  it('batches – every replica counts the same attempts in flight, an end sharing its start\'s batch included', async () => {
    expect(routers.length).toBeGreaterThan(1);
    report({ started: [start('long'), start('short')], finished: [{ ...failure('c', 0), requestId: 'short', outcome: 'ok', status: 200 }] });
    await until(async () => (await Promise.all(routers.map((r) => inFlight(r, 'c')))).every((n) => n === 1));
    report({ finished: [{ ...failure('c', 0), requestId: 'long', outcome: 'ok', status: 200 }] });
    await until(async () => (await Promise.all(routers.map((r) => inFlight(r, 'c')))).every((n) => n === 0));
  });
});

describe('router – routing configuration in KV', () => {
  const io = () => {
    const lines = { out: [] as string[], err: [] as string[] };
    return { lines, io: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
  };

  it('hot config – a change made with the CLI is in force within a second and used by every request after', async () => {
    const { lines, io: cli } = io();
    expect(await firstOf('chat')).toBe('a');
    const before = routers[0]!.configRevision();
    expect(await runRoutesCli(['set', 'models/chat/deployments', '[c, a]'], kv, () => config, cli)).toBe(0);
    expect(lines.out[0]).toMatch(/^stored revision \d+/);
    const written = performance.now();
    await until(async () => (await firstOf('chat')) === 'c', 1_000);
    const tookMs = performance.now() - written;
    expect(tookMs).toBeLessThan(1_000);
    for (let i = 0; i < 20; i += 1) expect(await firstOf('chat')).toBe('c');
    await until(() => routers.every((r) => r.configRevision() > before));
  });

  it('hot config – the CLI refuses an invalid change with the reason and stores nothing', async () => {
    const { lines, io: cli } = io();
    const before = (await readRouting(kv))!.revision;
    expect(await runRoutesCli(['set', 'models/chat/deployments/0', 'ghost'], kv, () => config, cli)).toBe(1);
    expect(lines.err.join('\n')).toContain("models.chat.deployments.0: unknown deployment 'ghost'");
    expect((await readRouting(kv))!.revision).toBe(before);
  });

  it('hot config – a router keeps the configuration in force when an invalid one is written behind the CLI\'s back', async () => {
    const revision = routers[0]!.configRevision();
    await kv.put('config', JSON.stringify({ providers: {}, deployments: {}, models: { chat: { deployments: ['nowhere'] } } }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await firstOf('chat')).toBe('c');
    expect(routers.map((r) => r.configRevision())).toEqual(routers.map(() => revision));
    const metrics = await (await fetch(`http://127.0.0.1:${routers[0]!.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/aigw_router_config_updates_total\{result="rejected",service="router"\} 1/);
  });

  it('hot config – import puts the config file\'s routing back', async () => {
    const { io: cli } = io();
    expect(await runRoutesCli(['import'], kv, () => config, cli)).toBe(0);
    await until(async () => (await firstOf('chat')) === 'a', 1_000);
  });
});

describe('router – active health checks', () => {
  it('health checks – one replica at a time checks, and an upstream that does not answer opens its deployments\' circuits', async () => {
    const probes: AttemptFinished[] = [];
    const sub = nc.subscribe(AttemptsReportedEvent.subject, {
      callback: (_e, m) => {
        probes.push(...m.json<AttemptsReported>().finished);
      },
    });
    await nc.flush();
    // Three rounds, each asked of every replica: only the lease holder checks.
    for (let round = 0; round < 3; round += 1) await Promise.all(routers.map((r) => r.checkHealth()));
    await until(() => probes.length >= 9);
    await new Promise((r) => setTimeout(r, 100));
    sub.unsubscribe();
    expect(probes).toHaveLength(9);
    expect(new Set(probes.map((p) => p.deploymentId))).toEqual(new Set(['a', 'b', 'c']));
    expect(probes.every((p) => p.source === 'probe' && p.outcome === 'network_error')).toBe(true);
    await until(() => routers.every((r) => ['a', 'b', 'c'].every((id) => r.standings()[id] === 'open')));
  });

  it('health checks – no replica checks while another holds the lease, and one takes it over once it lapsed', async () => {
    const state = await openRouterStateBucket(nc);
    const probes: AttemptFinished[] = [];
    const sub = nc.subscribe(AttemptsReportedEvent.subject, {
      callback: (_e, m) => {
        probes.push(...m.json<AttemptsReported>().finished);
      },
    });
    await nc.flush();
    const leaseOf = (expiresAt: number) => JSON.stringify({ holder: 'a replica elsewhere', expiresAt });
    await state.put(Buckets.routerState.probeLeaseKey, leaseOf(Date.now() + 60_000));
    await Promise.all(routers.map((r) => r.checkHealth()));
    await new Promise((r) => setTimeout(r, 100));
    expect(probes).toHaveLength(0);

    await state.put(Buckets.routerState.probeLeaseKey, leaseOf(Date.now() - 1));
    await Promise.all(routers.map((r) => r.checkHealth()));
    await until(() => probes.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    sub.unsubscribe();
    expect(probes).toHaveLength(3);
  });
});
