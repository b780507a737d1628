import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { UsageRecorded } from '@aigw/contracts';
import { startRedisServer } from '@aigw/testing';
import { Ledger } from '../src/ledger';
import { PRICES, usageEvent } from '../test/support';

/**
 * What counting usage events into the metering ledger costs, without NATS: events recorded a pull batch
 * at a time as the ledger consumer does, against a Redis of its own. Reports events per second, the
 * client's CPU per event (this process: building the script call, ioredis) and Redis's own time per
 * event in the ledger script (`INFO commandstats`). The events spread over 3 tenants × 5 keys, all in one
 * hour, as a busy gateway's are.
 *
 *   node --import tsx apps/metering/bench/ledger-cost.ts [events] [batch]
 */

const TENANTS = ['tenant_a', 'tenant_b', 'tenant_c'];
const KEYS = ['key_1', 'key_2', 'key_3', 'key_4', 'key_5'];

function event(i: number): UsageRecorded {
  return usageEvent({
    id: `req_${randomUUID()}`,
    ts: new Date().toISOString(),
    tenantId: TENANTS[i % TENANTS.length],
    keyId: KEYS[Math.floor(i / TENANTS.length) % KEYS.length],
    stream: i % 2 === 0,
    promptTokens: 100 + (i % 50),
    completionTokens: 20 + (i % 30),
  });
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 20_000);
  const batch = Number(process.argv[3] ?? 64);
  const server = await startRedisServer();
  const redis = new Redis(server.url, { enableAutoPipelining: true });
  try {
    const ledger = new Ledger(redis, { dedupeTtlS: 3600, prices: PRICES });
    const record = (from: number, n: number) => Promise.all(Array.from({ length: n }, (_, i) => ledger.record(event(from + i))));
    await record(0, 2_000);
    await redis.config('RESETSTAT');
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < total; i += batch) await record(i, Math.min(batch, total - i));
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const stats = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await redis.info('commandstats'));
    console.log(
      JSON.stringify({
        events: total,
        batch,
        eventsPerS: Math.round((total / elapsedMs) * 1000),
        clientCpuUsPerEvent: +((used.user + used.system) / total).toFixed(1),
        scriptCalls: Number(stats?.[1] ?? 0),
        redisUsPerEvent: +(Number(stats?.[2] ?? 0) / total).toFixed(1),
      }),
    );
  } finally {
    redis.disconnect();
    await server.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
