import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeJson } from '@aigw/bus';
import { parseGatewayConfig } from '@aigw/config';
import { AttemptsReportedEvent, type AttemptFinished, type AttemptsReported } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { freePort, metricValue, parseMetrics, startNatsServer, type TestServer } from '@aigw/testing';
import { startRouterService, type RouterService } from '../src/router-service';

const CONFIG = (deadPort: number) => `
providers:
  up: { kind: openai, baseUrl: "http://127.0.0.1:${deadPort}/v1" }
deployments:
  a: { provider: up, model: m-a }
  b: { provider: up, model: m-b }
  c: { provider: up, model: m-c }
  d: { provider: up, model: m-d }
models:
  chat: { deployments: [a, b, c, d] }
routing:
  breaker: { consecutiveFailures: 2, cooldownMs: 60000 }
  healthCheck: { intervalMs: 60000 }
`;

let nats: TestServer;
let nc: NatsConnection;
let router: RouterService;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  const config = parseGatewayConfig(CONFIG(await freePort()), 'health gauges test config', {});
  router = await startRouterService({ natsUrl: nats.url, opsPort: 0, config, logger: createLogger('router', 'silent') });
});

afterAll(async () => {
  await router?.close();
  await nc?.close();
  await nats?.cleanup();
});

const finished = (deploymentId: string, n: number, outcome: AttemptFinished['outcome']): AttemptFinished => ({
  requestId: `req-${deploymentId}-${n}`,
  attempt: 1,
  deploymentId,
  source: 'proxy',
  outcome,
  status: outcome === 'rate_limited' ? 429 : 500,
  ...(outcome === 'rate_limited' ? { retryAfterMs: 60_000 } : {}),
  latencyMs: 5,
  streamed: false,
  ts: Date.now(),
});

async function gauges(): Promise<Record<string, number | undefined>> {
  const samples = parseMetrics(await (await fetch(`http://127.0.0.1:${router.opsPort}/metrics`)).text());
  return Object.fromEntries(
    ['aigw_router_deployments', 'aigw_router_healthy_deployments', 'aigw_router_open_circuits'].map((name) => [name, metricValue(samples, name)]),
  );
}

describe('router – upstream health gauges', () => {
  it('counts every configured deployment healthy before any traffic', async () => {
    expect(await gauges()).toEqual({ aigw_router_deployments: 4, aigw_router_healthy_deployments: 4, aigw_router_open_circuits: 0 });
  });

  it('counts an open circuit, and a deployment cooling down after a 429 as neither healthy nor open', async () => {
    const batch: AttemptsReported = { v: 1, started: [], finished: [finished('a', 0, 'server_error'), finished('a', 1, 'server_error'), finished('b', 0, 'rate_limited')] };
    nc.publish(AttemptsReportedEvent.subject, encodeJson(batch));
    const deadline = Date.now() + 3_000;
    while (!(router.standings().a === 'open' && router.standings().b === 'cooling') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await gauges()).toEqual({ aigw_router_deployments: 4, aigw_router_healthy_deployments: 2, aigw_router_open_circuits: 1 });
  });
});
