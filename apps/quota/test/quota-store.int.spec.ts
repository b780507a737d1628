import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createLogger } from '@aigw/telemetry';
import { startRedisServer, type TestServer } from '@aigw/testing';
import { connectRedis } from '../src/redis-connection';
import { Refusal } from '../src/redis/admission-script';
import { keyScope, QuotaStore, tenantScope, type AdmissionInput, type UsageCharge } from '../src/redis/quota-store';
import { eventually } from './harness';

let server: TestServer;
let redis: Redis;
let store: QuotaStore;

beforeAll(async () => {
  server = await startRedisServer();
  redis = connectRedis(server.url, createLogger('quota', 'silent'));
  store = new QuotaStore(redis, { eventMarkerTtlS: 60 });
  await eventually(() => redis.status === 'ready');
});

afterAll(async () => {
  await redis?.quit();
  await server?.cleanup();
});

const admission = (keyId: string, limits: AdmissionInput['scopes'][number]['limits'], tokens = 0): AdmissionInput => ({
  requestId: randomUUID(),
  tokens,
  costMicros: 0,
  leaseTtlMs: 30_000,
  unleasedReservationMs: 60_000,
  scopes: [{ prefix: keyScope(keyId), limits }],
});

const charge = (eventId: string, keyId: string, tokens: number): UsageCharge => ({
  eventId,
  tokens,
  costMicros: 0,
  atMs: Date.now(),
  scopes: [keyScope(keyId), tenantScope('tenant_store')],
});

test('quota store – reconciles a batch in one call, each event once and in order, a repeated id as a duplicate', async () => {
  const keyId = 'key_batch';
  const reserved = admission(keyId, { tpm: 10_000 }, 300);
  expect((await store.admit(reserved)).admitted).toBe(true);
  const unreserved = randomUUID();

  const outcomes = await store.reconcile([charge(reserved.requestId, keyId, 40), charge(unreserved, keyId, 5), charge(reserved.requestId, keyId, 40)]);
  expect(outcomes).toEqual(['reconciled', 'charged', 'duplicate']);
  // The reservation of 300 became the 40 used, and the record is gone.
  expect(Number(await redis.get(`${keyScope(keyId)}:ms`))).toBe(40);
  expect(await redis.exists(`aigw:q:req:${reserved.requestId}`)).toBe(0);

  expect(await store.reconcile([charge(unreserved, keyId, 5), charge(reserved.requestId, keyId, 40)])).toEqual(['duplicate', 'duplicate']);
  expect(Number(await redis.get(`${keyScope(keyId)}:ms`))).toBe(40);
  expect(await store.reconcile([])).toEqual([]);
});

test('quota store – admissions sent in one synchronous run leave together but are each decided in their own script call', async () => {
  const limits = { rpm: 10 };
  const pending = Array.from({ length: 30 }, () => store.admit(admission('key_together', limits)));
  expect(redis.stream.writableCorked).toBe(1);
  const decisions = await Promise.all(pending);
  expect(redis.stream.writableCorked).toBe(0);
  expect(decisions.filter((d) => d.admitted)).toHaveLength(10);
  expect(decisions.filter((d) => !d.admitted && d.refusal.kind === Refusal.RequestsPerMinute)).toHaveLength(20);
});
