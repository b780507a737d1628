import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { BusClient, ensureUsageStream, EventPublisher } from '@aigw/bus';
import { Admit, Subjects, type AdmitRequest, type AdmitResponse, type UsageRecorded } from '@aigw/contracts';
import { parseGatewayConfig, type GatewayConfig } from '@aigw/config';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { startQuotaService, type QuotaService } from '../src/quota-service';

/**
 * Upstreams of the tests: `gpt-4o-mini` on one deployment, `gpt-4o` on two with different prices (the worst
 * case is the dearer one). Prices per million tokens: mini 1 in / 2 out, 4o 10 in / 30 out or 5 in / 40 out.
 */
const UPSTREAMS = {
  providers: { up: { kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' } },
  deployments: {
    mini: { provider: 'up', model: 'm-mini' },
    big: { provider: 'up', model: 'm-big' },
    'big-alt': { provider: 'up', model: 'm-big-alt' },
  },
  models: {
    'gpt-4o-mini': { deployments: ['mini'] },
    'gpt-4o': { deployments: ['big', 'big-alt'] },
  },
  prices: {
    currency: 'USD',
    models: {
      'm-mini': [{ from: '2024-01-01', input: '1', output: '2' }],
      'm-big': [{ from: '2024-01-01', input: '10', output: '30' }],
      'm-big-alt': [{ from: '2024-01-01', input: '5', output: '40' }],
    },
  },
};

export type QuotaSettings = Record<string, unknown>;

/** The test gateway config with `quota` as given, validated as the services validate the file. */
export function testConfig(quota: QuotaSettings = {}): GatewayConfig {
  return parseGatewayConfig(JSON.stringify({ ...UPSTREAMS, quota }), 'test config', {});
}

/** Real NATS (JetStream) and Redis on free ports, quota replicas booted in-process, and clients to call them. */
export interface QuotaStack {
  nats: TestServer;
  redis: TestServer;
  config: GatewayConfig;
  replicas: QuotaService[];
  /** One bus client per replica's worth of proxies: requests from both spread over the replicas. */
  clients: BusClient[];
  client: BusClient;
  js: JetStreamClient;
  admit(req: Partial<AdmitRequest> & Pick<AdmitRequest, 'keyId'>, client?: BusClient): Promise<AdmitResponse>;
  /** Publishes a usage event as the proxy does (JetStream, message id = request id). */
  publishUsage(event: Partial<UsageRecorded> & Pick<UsageRecorded, 'id' | 'keyId'>): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  replicas: number;
  /** The `quota:` section. */
  quota?: QuotaSettings;
  sweepIntervalMs?: number;
  /** Create the USAGE stream before quota starts (as metering and the proxy do); true by default. */
  usageStream?: boolean;
}

export async function startQuotaStack(opts: StackOptions): Promise<QuotaStack> {
  const nats = await startNatsServer();
  const redis = await startRedisServer();
  const config = testConfig(opts.quota);
  const conns: NatsConnection[] = [];
  const setup = await connect({ servers: nats.url });
  conns.push(setup);
  if (opts.usageStream ?? true) await ensureUsageStream(setup);
  const replicas: QuotaService[] = [];
  for (let i = 0; i < opts.replicas; i++) {
    replicas.push(
      await startQuotaService({
        nats: { servers: nats.url },
        redis: { url: redis.url },
        ops: { port: 0, host: '127.0.0.1' },
        config,
        sweepIntervalMs: opts.sweepIntervalMs ?? 200,
        reconciler: { retryDelayMs: 200 },
        logger: createLogger('quota', 'silent'),
      }),
    );
  }
  await Promise.all(replicas.map(waitUntilReady));
  if (opts.usageStream ?? true) await eventually(async () => replicas.every((r) => r.reconciling()));
  const clients: BusClient[] = [];
  for (let i = 0; i < 2; i++) {
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    clients.push(new BusClient(nc, { timeoutMs: 5000 }));
  }
  const js = jetstream(setup);
  const events = new EventPublisher(setup);
  return {
    nats,
    redis,
    config,
    replicas,
    clients,
    client: clients[0],
    js,
    admit: (req, client = clients[0]) =>
      client.request(Admit, { requestId: randomUUID(), tenantId: 'tenant_test', model: 'gpt-4o-mini', limits: {}, ...req }),
    async publishUsage(event) {
      const full: UsageRecorded = {
        v: 1,
        ts: new Date().toISOString(),
        tenantId: 'tenant_test',
        model: 'gpt-4o-mini',
        servedModel: 'm-mini',
        provider: 'up',
        deploymentId: 'mini',
        operation: 'chat.completions',
        stream: true,
        status: 200,
        incomplete: false,
        promptTokens: 0,
        completionTokens: 0,
        cachedTokens: 0,
        usageSource: 'upstream',
        latencyMs: 10,
        ttftMs: 5,
        ...event,
      };
      await events.publish(Subjects.usageRecorded, full, full.id);
    },
    async close() {
      await Promise.all(conns.map((c) => c.close()));
      await Promise.all(replicas.map((r) => r.close()));
      await redis.cleanup();
      await nats.cleanup();
    },
  };
}

export async function readyStatus(replica: QuotaService): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${replica.opsPort}/readyz`);
  await res.body?.cancel();
  return res.status;
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitUntilReady(replica: QuotaService): Promise<void> {
  return eventually(async () => (await readyStatus(replica)) === 200);
}

/** One counter or histogram family of one replica, by the value of `label`, read from its /metrics endpoint. */
export async function metricByLabel(replica: QuotaService, name: string, label: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${replica.opsPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const [, labels, value] of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const key = new RegExp(`${label}="([^"]+)"`).exec(labels)?.[1];
    if (key) out[key] = (out[key] ?? 0) + Number(value);
  }
  return out;
}

/** `quota_decisions_total` of one replica by result. */
export function decisionCounts(replica: QuotaService): Promise<Record<string, number>> {
  return metricByLabel(replica, 'quota_decisions_total', 'result');
}
