import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Service } from '@nats-io/services';
import { jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { endpoint, startService } from '@aigw/bus';
import {
  Admit,
  InvalidApiKeyError,
  ListModels,
  ModelNotFoundError,
  Route,
  Streams,
  UsageRecorded,
  VerifyKey,
  hashKey,
  type AdmitRequest,
  type Deployment,
  type Principal,
} from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { freePort, startNatsServer, type TestServer } from '@aigw/testing';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../src/proxy-server';
import { FakeUpstream } from './upstream-server';

/** Keys the in-test auth service knows, and the tenants that make the in-test quota service refuse or stall. */
export const keys = {
  good: 'sk-aigw-test-good-0123456789abcdef',
  limited: 'sk-aigw-test-limited-0123456789abcdef',
  silentQuota: 'sk-aigw-test-silent-0123456789abcdef',
} as const;
export const UPSTREAM_SECRET = 'sk-upstream-secret-do-not-log';
export const BUS_TIMEOUT_MS = 300;

const principals = new Map<string, Principal>([
  [hashKey(keys.good), { keyId: 'key_good', tenantId: 'tenant-a', role: 'client', keyPrefix: 'sk-aigw...cdef', limits: {} }],
  [hashKey(keys.limited), { keyId: 'key_limited', tenantId: 'tenant-limited', role: 'client', keyPrefix: 'sk-aigw...cdef', limits: { rpm: 10 } }],
  [hashKey(keys.silentQuota), { keyId: 'key_silent', tenantId: 'tenant-silent', role: 'client', keyPrefix: 'sk-aigw...cdef', limits: {} }],
]);

export interface Harness {
  proxy: ProxyHandle;
  upstream: FakeUpstream;
  nc: NatsConnection;
  natsUrl: string;
  /** Every Admit request the quota service got. */
  admits: AdmitRequest[];
  /** Everything the proxy logged, one JSON line each. */
  logs: string[];
  client(apiKey?: string): OpenAI;
  /** The usage event of a request, once JetStream has it. */
  usageEvent(requestId: string): Promise<UsageRecorded>;
  /** All usage events JetStream has for a request id (expected: one). */
  usageEventsFor(requestId: string): UsageRecorded[];
  startAnotherProxy(overrides?: Partial<ProxyOptions>): Promise<ProxyHandle>;
  close(): Promise<void>;
}

function logSink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
}

export async function startHarness(): Promise<Harness> {
  const nats: TestServer = await startNatsServer();
  const upstream = new FakeUpstream();
  await upstream.start();
  const nc = await connect({ servers: nats.url });
  const quiet = createLogger('test-services', 'silent');

  const deployment = (id: string, model: string): Deployment => ({
    id,
    provider: 'fake',
    kind: 'openai',
    baseUrl: upstream.url,
    model,
    credentialEnv: 'TEST_UPSTREAM_KEY',
  });
  const aliases: Record<string, Deployment[]> = {
    'gpt-test': [deployment('dep-ok', 'up-ok')],
    'gpt-gated': [deployment('dep-gated', 'up-gated')],
    'gpt-failover': [deployment('dep-500', 'up-500'), deployment('dep-ok-2', 'up-ok')],
    'gpt-all-fail': [deployment('dep-500', 'up-500'), deployment('dep-down', 'up-ok')],
    'gpt-bad-param': [deployment('dep-400', 'up-400'), deployment('dep-ok-3', 'up-ok')],
    'gpt-cut': [deployment('dep-cut', 'up-cut')],
    'gpt-malformed': [deployment('dep-malformed', 'up-malformed'), deployment('dep-ok-4', 'up-ok')],
    'gpt-malformed-only': [deployment('dep-malformed', 'up-malformed')],
    'gpt-half-event': [deployment('dep-half-event', 'up-half-event')],
    'gpt-no-done': [deployment('dep-no-done', 'up-no-done')],
    'gpt-error-event': [deployment('dep-error-event', 'up-error-event')],
    'gpt-slow': [deployment('dep-slow', 'up-slow')],
    'gpt-flood': [deployment('dep-flood', 'up-flood')],
    // Anthropic-format deployments on the same fake: it counts tokens, or refuses the gateway's credential.
    'claude-count': [{ ...deployment('dep-claude', 'up-count'), kind: 'anthropic' }],
    'claude-refused': [{ ...deployment('dep-claude-401', 'up-401'), kind: 'anthropic' }],
    'claude-hang': [{ ...deployment('dep-claude-hang', 'up-hang'), kind: 'anthropic' }],
    'embed-test': [deployment('dep-embed', 'up-embed')],
    'gpt-hang': [deployment('dep-hang', 'up-hang')],
    'gpt-hang-failover': [{ ...deployment('dep-hang-fast', 'up-hang'), firstByteMs: 300 }, deployment('dep-ok-5', 'up-ok')],
    'team/gpt-test': [deployment('dep-team', 'up-ok')],
  };
  // A deployment nobody listens on.
  aliases['gpt-all-fail']![1] = { ...aliases['gpt-all-fail']![1]!, baseUrl: `http://127.0.0.1:${await freePort()}/v1` };

  const admits: AdmitRequest[] = [];
  const services: Service[] = [
    await startService(
      nc,
      'auth',
      [
        endpoint(VerifyKey, async ({ keyHash }) => {
          const principal = principals.get(keyHash);
          if (!principal) throw new InvalidApiKeyError();
          return { principal };
        }),
      ],
      quiet,
    ),
    await startService(
      nc,
      'quota',
      [
        endpoint(Admit, (request) => {
          admits.push(request);
          if (request.tenantId === 'tenant-silent') return new Promise(() => undefined);
          if (request.tenantId === 'tenant-limited') {
            return Promise.resolve({
              admitted: false,
              requests: { limit: 10, remaining: 0, resetMs: 6_000 },
              retryAfterS: 6,
              reason: 'Rate limit reached for requests per minute: limit 10.',
            });
          }
          return Promise.resolve({ admitted: true, requests: { limit: 600, remaining: 599, resetMs: 100 } });
        }),
      ],
      quiet,
    ),
    await startService(
      nc,
      'router',
      [
        endpoint(Route, async ({ model }) => {
          const candidates = aliases[model];
          if (!candidates) throw new ModelNotFoundError(model);
          return { alias: model, candidates };
        }),
        endpoint(ListModels, async () => ({
          models: Object.keys(aliases).map((id) => ({ id, created: 1_700_000_000, ownedBy: 'fake' })),
        })),
      ],
      quiet,
    ),
  ];

  const logs: string[] = [];
  const baseOptions = {
    natsUrl: nats.url,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('proxy', 'debug', logSink(logs)),
    maxBodyBytes: 1024 * 1024,
    busTimeoutMs: BUS_TIMEOUT_MS,
    authCacheTtlMs: 5_000,
    upstream: { connections: 16, connectTimeoutMs: 1_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 },
    shutdownGraceMs: 5_000,
    credentials: { TEST_UPSTREAM_KEY: UPSTREAM_SECRET },
  } satisfies ProxyOptions;
  const proxy = await startProxy(baseOptions);
  const others: ProxyHandle[] = [];

  const events = new Map<string, UsageRecorded[]>();
  const consumer = await jetstream(nc).consumers.get(Streams.usage.name);
  const messages: ConsumerMessages = await consumer.consume();
  void (async () => {
    for await (const m of messages) {
      const event = UsageRecorded.parse(m.json());
      events.set(event.id, [...(events.get(event.id) ?? []), event]);
    }
  })();

  return {
    proxy,
    upstream,
    nc,
    natsUrl: nats.url,
    admits,
    logs,
    client: (apiKey = keys.good) => new OpenAI({ apiKey, baseURL: `${proxy.url}/v1`, maxRetries: 0, timeout: 10_000 }),
    async usageEvent(requestId) {
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const found = events.get(requestId);
        if (found) return found[0]!;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no usage event for ${requestId} within 5 s`);
    },
    usageEventsFor: (requestId) => events.get(requestId) ?? [],
    async startAnotherProxy(overrides = {}) {
      const other = await startProxy({ ...baseOptions, ...overrides });
      others.push(other);
      return other;
    },
    async close() {
      await proxy.close();
      for (const other of others) await other.close();
      await messages.close();
      for (const service of services) await service.stop();
      await nc.drain();
      await upstream.close();
      await nats.cleanup();
    },
  };
}
