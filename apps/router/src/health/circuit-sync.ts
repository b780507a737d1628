import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { Buckets } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { CircuitRecord } from './circuit-breaker';

const { name, circuitPrefix } = Buckets.routerState;

const CircuitRecordSchema = z.object({
  state: z.enum(['closed', 'open']),
  until: z.number(),
  opens: z.number().int().nonnegative(),
  gen: z.number().int().nonnegative(),
  by: z.string(),
});

/**
 * KV keys allow letters, digits, `-`, `_`, `=` and `/` in a token; deployment ids may also hold `.` and `:`.
 * Anything else becomes `=` and two hex digits.
 */
export function circuitKey(deploymentId: string): string {
  return circuitPrefix + deploymentId.replace(/[^A-Za-z0-9_-]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function deploymentOfKey(key: string): string {
  return key.slice(circuitPrefix.length).replace(/=([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Opens the bucket of state router replicas share. */
export function openRouterStateBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(name, { history: 1 });
}

export interface CircuitSync {
  /** Shares a record this replica proposed; a failed write is logged, the local state stands. */
  share(deploymentId: string, record: CircuitRecord): void;
  stop(): void;
}

/**
 * Shares circuit transitions between router replicas through KV: each replica writes the records it
 * proposes and applies every record written. Records carry a generation, so applying them in any order,
 * or twice, ends in the same state on every replica.
 */
export async function startCircuitSync(kv: KV, apply: (deploymentId: string, record: CircuitRecord) => void, logger: Logger): Promise<CircuitSync> {
  const applyEntry = (entry: KvEntry) => {
    if (entry.operation !== 'PUT') return;
    const parsed = CircuitRecordSchema.safeParse(safeJson(entry.string()));
    if (!parsed.success) {
      logger.warn({ key: entry.key }, 'ignored a circuit record that is not one');
      return;
    }
    apply(deploymentOfKey(entry.key), parsed.data);
  };
  // The watch delivers the current records too, but only after it has started: a replica that just started
  // reads them first, so that it never routes to a circuit the others have opened.
  for await (const key of await kv.keys(`${circuitPrefix}>`)) {
    const entry = await kv.get(key);
    if (entry) applyEntry(entry);
  }
  const watch = await kv.watch({ key: `${circuitPrefix}>` });
  void (async () => {
    for await (const entry of watch) applyEntry(entry);
  })();
  return {
    share(deploymentId, record) {
      kv.put(circuitKey(deploymentId), JSON.stringify(record)).catch((err: unknown) => {
        logger.warn({ err, deployment: deploymentId }, 'could not share a circuit change; other replicas will see it from the same outcomes');
      });
    },
    stop: () => watch.stop(),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
