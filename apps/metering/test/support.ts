import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Service } from '@nats-io/services';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import {
  Consumers,
  hashKey,
  InvalidApiKeyError,
  Streams,
  Subjects,
  VerifyKey,
  type Principal,
  type UsageRecorded,
} from '@aigw/contracts';
import { connectBus, endpoint, publishEvent, startService } from '@aigw/bus';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { startMeteringService, type MeteringConfig, type MeteringService } from '../src/metering-service';

export const silent = createLogger('metering-test', 'silent');

/** Real nats-server and redis-server for one test file, a client connection, and an in-test auth service. */
export interface TestStack {
  nats: TestServer;
  redis: TestServer;
  nc: NatsConnection;
  js: JetStreamClient;
  /** Keys the in-test auth service knows, by plain secret. */
  keys: Map<string, Principal>;
  /** How many VerifyKey requests auth has answered. */
  authCalls(): number;
  auth: Service;
  close(): Promise<void>;
}

export async function startStack(): Promise<TestStack> {
  const [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  const nc = await connectBus({ servers: nats.url, name: 'metering-test', logger: silent });
  const keys = new Map<string, Principal>();
  let calls = 0;
  const auth = await startService(
    nc,
    'auth',
    [
      endpoint(VerifyKey, async ({ keyHash }) => {
        calls++;
        for (const [secret, principal] of keys) if (hashKey(secret) === keyHash) return { principal };
        throw new InvalidApiKeyError();
      }),
    ],
    silent,
  );
  return {
    nats,
    redis,
    nc,
    js: jetstream(nc),
    keys,
    authCalls: () => calls,
    auth,
    async close() {
      if (!auth.isStopped) await auth.stop();
      await nc.drain();
      await Promise.all([nats.cleanup(), redis.cleanup()]);
    },
  };
}

export function meteringConfig(stack: TestStack, over: Partial<MeteringConfig> = {}): MeteringConfig {
  return {
    nats: { servers: stack.nats.url, timeoutMs: 500 },
    redis: { url: stack.redis.url, commandTimeoutMs: 1_000 },
    http: { port: 0, host: '127.0.0.1' },
    authCacheMs: 5_000,
    dedupeTtlS: 24 * 60 * 60,
    consumer: { ackWaitMs: 5_000, maxAckPending: 1_000, retryDelayMs: 200 },
    logger: silent,
    ...over,
  };
}

export function startMetering(stack: TestStack, over: Partial<MeteringConfig> = {}): Promise<MeteringService> {
  return startMeteringService(meteringConfig(stack, over));
}

export function usageEvent(over: Partial<UsageRecorded> = {}): UsageRecorded {
  return {
    v: 1,
    id: `req_${randomUUID()}`,
    ts: '2025-01-10T12:00:00.000Z',
    tenantId: 'tenant_a',
    keyId: 'key_a',
    model: 'gpt-4o',
    servedModel: 'gpt-4o-2024-08-06',
    provider: 'openai',
    deploymentId: 'openai-gpt-4o',
    operation: 'chat.completions',
    stream: false,
    status: 200,
    incomplete: false,
    promptTokens: 10,
    completionTokens: 20,
    cachedTokens: 0,
    usageSource: 'upstream',
    latencyMs: 120,
    ttftMs: 40,
    ...over,
  };
}

/** Publishes like the proxy does: `Nats-Msg-Id` = event id unless a different one is given. */
export async function publishUsage(stack: TestStack, event: unknown, msgID?: string): Promise<{ duplicate: boolean }> {
  return publishEvent(stack.js, Subjects.usageRecorded, event, msgID ?? (event as UsageRecorded).id);
}

/** Resolves once every message in the stream was delivered to the ledger consumer and settled. */
export async function consumerSettled(stack: TestStack): Promise<void> {
  const jsm = await jetstreamManager(stack.nc);
  await eventually(async () => {
    const info = await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger);
    expect({ pending: info.num_pending, ackPending: info.num_ack_pending }).toEqual({ pending: 0, ackPending: 0 });
  });
}

/** Retries `check` until it stops throwing, or rethrows its last failure after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface UsageReply {
  object: string;
  data: Record<string, string | number>[];
  totals: Record<string, number>;
}

export async function getUsage(
  service: MeteringService,
  query: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ status: number; body: UsageReply & { error?: { message: string; type: string; param: string | null; code: string } } }> {
  const res = await fetch(`http://127.0.0.1:${service.port}/v1/usage?${new URLSearchParams(query)}`, { headers });
  return { status: res.status, body: (await res.json()) as never };
}

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** The value of the series `name` whose labels include `labels`, in the Prometheus text exposition; 0 when absent. */
export async function metricValue(service: MeteringService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Sums the API counters of `events` the way the ledger should. */
export function expectedTotals(events: UsageRecorded[]): Record<string, number> {
  const sum = (f: (e: UsageRecorded) => number) => events.reduce((n, e) => n + f(e), 0);
  return {
    requests: events.length,
    errors: sum((e) => (e.status >= 400 || e.incomplete ? 1 : 0)),
    prompt_tokens: sum((e) => e.promptTokens),
    completion_tokens: sum((e) => e.completionTokens),
    cached_tokens: sum((e) => e.cachedTokens),
    total_tokens: sum((e) => e.promptTokens + e.completionTokens),
    streamed_requests: sum((e) => (e.stream ? 1 : 0)),
  };
}
