import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusClient } from '@aigw/bus';
import { Admit, type AdmitRequest, type AdmitResponse } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { startQuotaService, type QuotaService } from '../src/quota-service';

/** Real NATS and Redis on free ports, quota replicas booted in-process, and a bus client to call them. */
export interface QuotaStack {
  nats: TestServer;
  redis: TestServer;
  replicas: QuotaService[];
  client: BusClient;
  admit(req: Partial<AdmitRequest> & Pick<AdmitRequest, 'keyId'>): Promise<AdmitResponse>;
  close(): Promise<void>;
}

export async function startQuotaStack(opts: { replicas: number; defaultRpm: number }): Promise<QuotaStack> {
  const nats = await startNatsServer();
  const redis = await startRedisServer();
  const replicas: QuotaService[] = [];
  for (let i = 0; i < opts.replicas; i++) {
    replicas.push(
      await startQuotaService({
        nats: { servers: nats.url },
        redis: { url: redis.url },
        ops: { port: 0, host: '127.0.0.1' },
        quota: { defaults: { rpm: opts.defaultRpm } },
        logger: createLogger('quota', 'silent'),
      }),
    );
  }
  await Promise.all(replicas.map(waitUntilReady));
  const nc: NatsConnection = await connect({ servers: nats.url });
  const client = new BusClient(nc, { timeoutMs: 5000 });
  return {
    nats,
    redis,
    replicas,
    client,
    admit: (req) =>
      client.request(Admit, {
        requestId: randomUUID(),
        tenantId: 'tenant_test',
        model: 'gpt-4o-mini',
        limits: {},
        ...req,
      }),
    async close() {
      await nc.close();
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
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitUntilReady(replica: QuotaService): Promise<void> {
  return eventually(async () => (await readyStatus(replica)) === 200);
}

/** `quota_decisions_total` of one replica by result, read from its /metrics endpoint. */
export async function decisionCounts(replica: QuotaService): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${replica.opsPort}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, labels, value] of text.matchAll(/^quota_decisions_total\{([^}]*)\} (\S+)$/gm)) {
    const result = /result="([^"]+)"/.exec(labels)?.[1];
    if (result) counts[result] = Number(value);
  }
  return counts;
}
