/**
 * Rebuild: recomputes the aggregates from the USAGE stream into a scratch keyspace and compares them with
 * the stored ones, key by key, optionally replacing the stored ones that differ.
 *
 * Coverage: the stream keeps events for a limited age. When it still holds its first message, every
 * bucket is compared. Otherwise only buckets that start at or after the store time of the oldest message
 * kept: an event is published after it happened, so every event of such a bucket is still in the stream;
 * older buckets are left alone, neither compared nor changed.
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Redis } from 'ioredis';
import { Consumers, Streams, UsageRecorded } from '@aigw/contracts';
import type { PriceTable } from '@aigw/pricing';
import type { Logger } from '@aigw/telemetry';
import { bucketStart } from './buckets';
import { execPipeline, Ledger } from './ledger';
import { LedgerKeys, LIVE_PREFIX } from './ledger-keys';

/** Events recorded into the scratch ledger concurrently. */
const REPLAY_BATCH = 500;
/** Keys read or written per pipeline while comparing. */
const KEY_BATCH = 500;

export interface RebuildOptions {
  nc: NatsConnection;
  redis: Redis;
  prices: PriceTable;
  /** Marker TTL of the live ledger, number of seconds: `apply` marks the replayed events with it. */
  dedupeTtlS: number;
  /** Replace stored aggregates that differ, and mark every replayed event as counted. */
  apply: boolean;
  /** How long to wait for the live consumer to catch up with the replayed events, number of milliseconds. */
  catchUpTimeoutMs: number;
  logger: Logger;
  /** Live ledger prefix; the service's unless given. */
  livePrefix?: string;
}

export interface Difference {
  /** The stored key, as the live ledger names it. */
  key: string;
  /** What is stored: hash fields or set members; null when the key is missing. */
  stored: Record<string, string> | string[] | null;
  /** What the events add up to. */
  rebuilt: Record<string, string> | string[] | null;
}

export interface RebuildReport {
  stream: { firstSeq: number; lastSeq: number; messages: number; firstStoredAt: string | null };
  /** Buckets starting at or after this time were compared; null: all of them (the stream is complete). */
  comparedFrom: string | null;
  replayed: { messages: number; counted: number; duplicates: number; invalid: number };
  /** Whether the live consumer had acknowledged every replayed message when the comparison ran. */
  liveCaughtUp: boolean;
  comparedKeys: number;
  differences: Difference[];
  applied: boolean;
}

/** Raised when `apply` is asked while metering still consumes: its writes would race the replacement. */
export class MeteringRunningError extends Error {
  constructor(waiting: number) {
    super(
      `metering is consuming (${waiting} pull request(s) waiting on ${Consumers.meteringLedger}); stop it before --apply. ` +
        'A stopped consumer’s pull requests expire within 30 s.',
    );
    this.name = 'MeteringRunningError';
  }
}

export async function rebuildLedger(opts: RebuildOptions): Promise<RebuildReport> {
  const { nc, redis, logger } = opts;
  const jsm = await jetstreamManager(nc);
  const live = new LedgerKeys(opts.livePrefix ?? LIVE_PREFIX);
  const scratch = new Ledger(redis, {
    dedupeTtlS: opts.dedupeTtlS,
    prices: opts.prices,
    prefix: `metering:rebuild:${randomUUID()}:`,
  });

  if (opts.apply) {
    const waiting = await consumerWaiting(jsm);
    if (waiting > 0) throw new MeteringRunningError(waiting);
  }
  const { state } = await jsm.streams.info(Streams.usage.name);
  const complete = state.first_seq <= 1;
  const comparedFrom = complete ? null : state.messages > 0 ? new Date(state.first_ts) : new Date();
  const report: RebuildReport = {
    stream: {
      firstSeq: state.first_seq,
      lastSeq: state.last_seq,
      messages: state.messages,
      firstStoredAt: state.messages > 0 ? state.first_ts : null,
    },
    comparedFrom: comparedFrom?.toISOString() ?? null,
    replayed: { messages: 0, counted: 0, duplicates: 0, invalid: 0 },
    liveCaughtUp: false,
    comparedKeys: 0,
    differences: [],
    applied: false,
  };

  try {
    if (state.messages > 0) await replay(nc, scratch, state.last_seq, report, logger);
    report.liveCaughtUp = await waitForLive(jsm, state.last_seq, opts.catchUpTimeoutMs);
    if (!report.liveCaughtUp) logger.warn({ lastSeq: state.last_seq }, 'live consumer is behind: recent buckets may differ only because events are still in flight');

    const inScope = (keys: LedgerKeys, key: string) => {
      const bucket = keys.bucketOfKey(key);
      return bucket !== undefined && (comparedFrom === null || bucketStart(bucket) >= comparedFrom);
    };
    const suffixes = new Set<string>();
    for (const keys of [live, scratch.keys]) {
      for (const key of await scanKeys(redis, keys.prefix)) {
        if (inScope(keys, key)) suffixes.add(key.slice(keys.prefix.length));
      }
    }
    const sorted = [...suffixes].sort();
    report.comparedKeys = sorted.length;
    for (let i = 0; i < sorted.length; i += KEY_BATCH) {
      const batch = sorted.slice(i, i + KEY_BATCH);
      const [stored, rebuilt] = await Promise.all([readValues(redis, live.prefix, batch), readValues(redis, scratch.keys.prefix, batch)]);
      batch.forEach((suffix, j) => {
        if (!sameValue(stored[j], rebuilt[j])) report.differences.push({ key: live.prefix + suffix, stored: stored[j], rebuilt: rebuilt[j] });
      });
    }

    if (opts.apply) {
      await replaceValues(redis, report.differences);
      await copyMarkers(redis, scratch.keys.prefix, live.prefix, opts.dedupeTtlS);
      report.applied = true;
    }
  } finally {
    await deleteKeys(redis, await scanKeys(redis, scratch.keys.prefix, true));
  }
  return report;
}

async function consumerWaiting(jsm: Awaited<ReturnType<typeof jetstreamManager>>): Promise<number> {
  try {
    return (await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger)).num_waiting;
  } catch (err) {
    if ((err as Error).name === 'ConsumerNotFoundError') return 0;
    throw err;
  }
}

/** Reads the stream from its first message up to `lastSeq` with an ephemeral ordered consumer. */
async function replay(nc: NatsConnection, scratch: Ledger, lastSeq: number, report: RebuildReport, logger: Logger): Promise<void> {
  const consumer = await jetstream(nc).consumers.get(Streams.usage.name);
  const messages = await consumer.consume({ max_messages: REPLAY_BATCH });
  let batch: UsageRecorded[] = [];
  const flush = async () => {
    // The ledger counts a batch in stream order, so of the events sharing an id the one counted is the one
    // the live consumer met first; the markers catch repeats across batches.
    for (const outcome of await Promise.all(batch.map((e) => scratch.record(e)))) {
      if (outcome === 'counted') report.replayed.counted++;
      else report.replayed.duplicates++;
    }
    batch = [];
  };
  try {
    for await (const msg of messages) {
      report.replayed.messages++;
      let parsed;
      try {
        parsed = UsageRecorded.safeParse(msg.json());
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) batch.push(parsed.data);
      else report.replayed.invalid++;
      if (batch.length >= REPLAY_BATCH) await flush();
      if (msg.seq >= lastSeq || msg.info.pending === 0) break;
    }
    await flush();
  } finally {
    await messages.close();
  }
  logger.info({ ...report.replayed }, 'stream replayed into the scratch ledger');
}

/** Waits until the live consumer acknowledged everything up to `lastSeq`; false on timeout. */
async function waitForLive(jsm: Awaited<ReturnType<typeof jetstreamManager>>, lastSeq: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const info = await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger);
      if (info.ack_floor.stream_seq >= lastSeq) return true;
    } catch (err) {
      if ((err as Error).name !== 'ConsumerNotFoundError') throw err;
      return lastSeq === 0;
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every key under `prefix`, event markers only if asked. */
async function scanKeys(redis: Redis, prefix: string, withMarkers = false): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    for (const k of batch) if (withMarkers || !k.startsWith(`${prefix}event:`)) keys.push(k);
  } while (cursor !== '0');
  return keys;
}

const isSetKey = (suffix: string) => suffix.startsWith('index:') || suffix.startsWith('tenants:');

async function readValues(redis: Redis, prefix: string, suffixes: string[]): Promise<(Record<string, string> | string[] | null)[]> {
  const replies = await execPipeline<Record<string, string> | string[]>(
    redis.pipeline(suffixes.map((s) => (isSetKey(s) ? ['smembers', prefix + s] : ['hgetall', prefix + s]))),
  );
  return replies.map((r) => {
    if (Array.isArray(r)) return r.length === 0 ? null : r.sort();
    return Object.keys(r).length === 0 ? null : r;
  });
}

function sameValue(a: Record<string, string> | string[] | null, b: Record<string, string> | string[] | null): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

/** A stored hash field of 0 equals an absent one. */
function normalise(v: Record<string, string> | string[] | null): unknown {
  if (v === null || Array.isArray(v)) return v;
  return Object.entries(v)
    .filter(([, n]) => n !== '0')
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

async function replaceValues(redis: Redis, differences: Difference[]): Promise<void> {
  for (let i = 0; i < differences.length; i += KEY_BATCH) {
    const tx = redis.multi();
    for (const d of differences.slice(i, i + KEY_BATCH)) {
      tx.del(d.key);
      if (Array.isArray(d.rebuilt)) tx.sadd(d.key, ...d.rebuilt);
      else if (d.rebuilt) tx.hset(d.key, d.rebuilt);
    }
    await execPipeline(tx);
  }
}

/** Marks every replayed event as counted in the live ledger, so that metering never counts one again on top. */
async function copyMarkers(redis: Redis, from: string, to: string, ttlS: number): Promise<void> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${from}event:*`, 'COUNT', 1_000);
    cursor = next;
    if (batch.length > 0) {
      await execPipeline(redis.pipeline(batch.map((k) => ['set', to + k.slice(from.length), '1', 'EX', String(ttlS), 'NX'])));
    }
  } while (cursor !== '0');
}

async function deleteKeys(redis: Redis, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += KEY_BATCH) await redis.unlink(...keys.slice(i, i + KEY_BATCH));
}
