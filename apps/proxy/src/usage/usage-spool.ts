import { mkdir, open, readdir, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import { UsageRecorded } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';

/**
 * A bounded, file-backed queue of usage events that could not be published to JetStream, re-published
 * when it is back. Nothing here is on the response path: the publisher spools after a publish failed.
 *
 * Layout: append-only segments `<dir>/seg-<16-digit sequence>.jsonl`, one event per line. New events go
 * to the newest segment; a segment is closed at `SEGMENT_BYTES` or when a replay starts, and a closed
 * segment is deleted once every event in it was acknowledged by JetStream. A replay that fails half-way
 * keeps the segment and publishes all of it again later: each event goes out with its id as `Nats-Msg-Id`,
 * so the stream's duplicate window drops what it already has, and the consumers' markers (metering's and
 * quota's) count an event once even after that window.
 *
 * Durability: appends are group-committed. Whatever is waiting when a write starts goes out in one
 * `write` followed by one `fdatasync`, and each `append` resolves only after that sync. So an event the
 * spool accepted survives a crash of the process or of the machine, while a burst of failing publishes
 * costs one sync per batch instead of one per event. Events still in memory when the process dies are
 * the ones whose publish had not failed yet: the same window as without a spool.
 *
 * Bounded: past `maxBytes` on disk a new event is refused, logged and counted as dropped, rather than
 * filling the disk that the proxy and its logs live on.
 */

/** Size at which a segment is closed and a new one started, number of bytes. */
const SEGMENT_BYTES = 1024 * 1024;
/** Events of a segment being re-published at once. */
const REPLAY_WINDOW = 64;

export interface UsageSpoolOptions {
  /** Directory of the segments; created if missing. One directory per proxy process. */
  dir: string;
  /** Most bytes kept on disk, number of bytes. */
  maxBytes: number;
}

interface Segment {
  seq: number;
  path: string;
  bytes: number;
  events: number;
}

interface PendingAppend {
  line: Buffer;
  done: (accepted: boolean) => void;
  fail: (err: unknown) => void;
}

export interface SpoolMetrics {
  bytes: Gauge;
  events: Gauge;
  dropped: Counter;
  replayed: Counter;
}

export function createSpoolMetrics(registry: Registry): SpoolMetrics {
  return {
    bytes: new Gauge({ name: 'aigw_proxy_usage_spool_bytes', help: 'Bytes of usage events waiting on disk to be re-published.', registers: [registry] }),
    events: new Gauge({ name: 'aigw_proxy_usage_spool_events', help: 'Usage events waiting on disk to be re-published.', registers: [registry] }),
    dropped: new Counter({
      name: 'aigw_proxy_usage_spool_dropped_total',
      help: 'Usage events lost because the spool was full or could not be written.',
      registers: [registry],
    }),
    replayed: new Counter({
      name: 'aigw_proxy_usage_spool_replayed_total',
      help: 'Spooled usage events re-published to JetStream and acknowledged.',
      registers: [registry],
    }),
  };
}

const segmentName = (seq: number) => `seg-${String(seq).padStart(16, '0')}.jsonl`;

export class UsageSpool {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  readonly #metrics: SpoolMetrics;
  /** Closed segments, oldest first; only replays read them. */
  readonly #closed: Segment[];
  #open: { segment: Segment; file: FileHandle } | undefined;
  #nextSeq: number;
  #queue: PendingAppend[] = [];
  /** The running write, or the running rotation: the writer's one lane. */
  #writing: Promise<void> | undefined;
  #replaying: Promise<void> | undefined;

  private constructor(opts: UsageSpoolOptions, closed: Segment[], logger: Logger, metrics: SpoolMetrics) {
    this.#dir = opts.dir;
    this.#maxBytes = opts.maxBytes;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#closed = closed;
    this.#nextSeq = (closed.at(-1)?.seq ?? 0) + 1;
    this.#updateGauges();
  }

  /** Opens the spool, taking up the segments a previous process left behind. */
  static async open(opts: UsageSpoolOptions, logger: Logger, metrics: SpoolMetrics): Promise<UsageSpool> {
    await mkdir(opts.dir, { recursive: true });
    const names = (await readdir(opts.dir)).filter((n) => /^seg-\d{16}\.jsonl$/.test(n)).sort();
    const segments: Segment[] = [];
    for (const name of names) {
      const path = join(opts.dir, name);
      const text = await readFile(path, 'utf8');
      const events = text.split('\n').filter((l) => l.trim() !== '').length;
      segments.push({ seq: Number(name.slice(4, 20)), path, bytes: (await stat(path)).size, events });
    }
    const spool = new UsageSpool(opts, segments, logger, metrics);
    if (spool.events > 0) logger.warn({ events: spool.events, dir: opts.dir }, 'usage spool holds events from before: they will be re-published');
    return spool;
  }

  /** Events on disk waiting to be re-published. */
  get events(): number {
    return this.#closed.reduce((n, s) => n + s.events, 0) + (this.#open?.segment.events ?? 0);
  }

  get bytes(): number {
    return this.#closed.reduce((n, s) => n + s.bytes, 0) + (this.#open?.segment.bytes ?? 0);
  }

  /**
   * Adds an event; resolves true once it is on disk (synced), false when it was refused because the spool
   * is full. Rejects when the disk write failed.
   */
  append(event: UsageRecorded): Promise<boolean> {
    const line = Buffer.from(`${JSON.stringify(event)}\n`);
    return new Promise<boolean>((done, fail) => {
      this.#queue.push({ line, done, fail });
      this.#kick();
    });
  }

  /**
   * Re-publishes every spooled event, oldest segment first, deleting each segment once all its events
   * were acknowledged. Stops at the first failed publish (JetStream is still away) and leaves the rest for
   * the next call. Calls never overlap.
   */
  replay(publish: (event: UsageRecorded) => Promise<void>): Promise<void> {
    this.#replaying ??= this.#replay(publish).finally(() => {
      this.#replaying = undefined;
    });
    return this.#replaying;
  }

  /** Finishes the writes under way and closes the open segment. */
  async close(): Promise<void> {
    await this.#replaying?.catch(() => undefined);
    while (this.#writing) await this.#writing;
    await this.#open?.file.close();
    this.#open = undefined;
  }

  #kick(): void {
    if (this.#writing || this.#queue.length === 0) return;
    this.#writing = this.#writeQueued().finally(() => {
      this.#writing = undefined;
      this.#kick();
    });
  }

  async #writeQueued(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const accepted: PendingAppend[] = [];
    let room = this.#maxBytes - this.bytes;
    for (const item of batch) {
      if (item.line.length <= room) {
        accepted.push(item);
        room -= item.line.length;
      } else {
        this.#metrics.dropped.inc();
        this.#logger.error({ maxBytes: this.#maxBytes, dir: this.#dir }, 'usage spool is full: a usage event is lost');
        item.done(false);
      }
    }
    if (accepted.length === 0) return;
    try {
      const bytes = Buffer.concat(accepted.map((a) => a.line));
      const target = await this.#openSegment(bytes.length);
      await target.file.write(bytes);
      await target.file.datasync();
      target.segment.bytes += bytes.length;
      target.segment.events += accepted.length;
      this.#updateGauges();
      for (const a of accepted) a.done(true);
    } catch (err) {
      this.#metrics.dropped.inc(accepted.length);
      for (const a of accepted) a.fail(err);
    }
  }

  /** The segment to append `bytes` to: the open one, unless it would grow past `SEGMENT_BYTES`. */
  async #openSegment(bytes: number): Promise<{ segment: Segment; file: FileHandle }> {
    if (this.#open && this.#open.segment.bytes > 0 && this.#open.segment.bytes + bytes > SEGMENT_BYTES) await this.#closeOpen();
    if (!this.#open) {
      const seq = this.#nextSeq++;
      const path = join(this.#dir, segmentName(seq));
      const file = await open(path, 'a');
      await syncDir(this.#dir);
      this.#open = { segment: { seq, path, bytes: 0, events: 0 }, file };
    }
    return this.#open;
  }

  async #closeOpen(): Promise<void> {
    if (!this.#open) return;
    const { segment, file } = this.#open;
    this.#open = undefined;
    await file.close();
    if (segment.events > 0) this.#closed.push(segment);
    else await unlink(segment.path);
  }

  async #replay(publish: (event: UsageRecorded) => Promise<void>): Promise<void> {
    // Close the open segment in the writer's lane, so that new events go to a fresh one meanwhile.
    while (this.#writing) await this.#writing;
    this.#writing = this.#closeOpen();
    try {
      await this.#writing;
    } finally {
      this.#writing = undefined;
      this.#kick();
    }
    while (this.#closed.length > 0) {
      const segment = this.#closed[0]!;
      const events = await readSegment(segment.path, this.#logger);
      for (let i = 0; i < events.length; i += REPLAY_WINDOW) {
        await Promise.all(events.slice(i, i + REPLAY_WINDOW).map(publish));
      }
      await unlink(segment.path);
      this.#closed.shift();
      this.#metrics.replayed.inc(events.length);
      this.#updateGauges();
      this.#logger.info({ events: events.length, segment: segment.path }, 'spooled usage events re-published');
    }
  }

  #updateGauges(): void {
    this.#metrics.bytes.set(this.bytes);
    this.#metrics.events.set(this.events);
  }
}

/** The events of a segment; a line cut short by a crash during its write is skipped (it was never accepted). */
async function readSegment(path: string, logger: Logger): Promise<UsageRecorded[]> {
  const events: UsageRecorded[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    let parsed;
    try {
      parsed = UsageRecorded.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) events.push(parsed.data);
    else logger.error({ segment: path }, 'unreadable line in the usage spool, skipped');
  }
  return events;
}

/** Makes a new directory entry durable: without it a crash can lose the file although its data was synced. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
