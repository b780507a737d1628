import { bucketsBetween, type Granularity } from './buckets';
import { addCounters, emptyCounters, type Counters } from './event-counters';
import type { Ledger } from './ledger';
import { decodeMember, DIMENSIONS, type Dimension, type Dimensions } from './ledger-keys';

/** What to read: a half-open UTC range of whole buckets, a grouping, and dimension filters. */
export interface UsageQuery {
  granularity: Granularity;
  /** Start of the first bucket. */
  from: Date;
  /** End of the last bucket (exclusive). */
  to: Date;
  /** Dimensions rows are grouped by, in `DIMENSIONS` order; the others are summed over. */
  groupBy: Dimension[];
  /** Only tuples with these values. */
  filter: Partial<Dimensions>;
}

/** One row of the answer: a bucket, the grouped dimensions' values, and the summed counters. */
export interface UsageRow {
  bucket: string;
  /** Values of `groupBy`, in its order. */
  group: string[];
  counters: Counters;
}

/** Where a page ended: rows sort by bucket, then by group values. */
export interface RowPosition {
  bucket: string;
  group: string[];
}

/** Buckets whose indexes are read in one round trip. */
const BUCKETS_PER_READ = 48;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareGroups(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareStrings(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function comparePositions(a: RowPosition, b: RowPosition): number {
  return compareStrings(a.bucket, b.bucket) || compareGroups(a.group, b.group);
}

function matches(dims: Dimensions, filter: Partial<Dimensions>): boolean {
  return DIMENSIONS.every((d) => filter[d] === undefined || filter[d] === dims[d]);
}

/**
 * Reads the aggregates of `query` in row order, a few buckets at a time, yielding each batch of rows as
 * soon as it is complete. Rows at or before `after` are skipped without reading their buckets' counters,
 * so a later page costs what it returns, not what came before it.
 */
export async function* readUsage(ledger: Ledger, query: UsageQuery, after?: RowPosition): AsyncGenerator<UsageRow[]> {
  const buckets = bucketsBetween(query.from, query.to, query.granularity).filter((b) => !after || b >= after.bucket);
  for (let i = 0; i < buckets.length; i += BUCKETS_PER_READ) {
    const chunk = buckets.slice(i, i + BUCKETS_PER_READ);
    const indexes = await ledger.indexes(query.granularity, chunk);
    const cells: { bucket: string; member: string; group: string[] }[] = [];
    chunk.forEach((bucket, j) => {
      for (const member of indexes[j]) {
        const dims = decodeMember(member);
        if (!matches(dims, query.filter)) continue;
        const group = query.groupBy.map((d) => dims[d]);
        if (after && comparePositions({ bucket, group }, after) <= 0) continue;
        cells.push({ bucket, member, group });
      }
    });
    if (cells.length === 0) continue;
    const counters = await ledger.usage(query.granularity, cells);
    const rows = new Map<string, UsageRow>();
    cells.forEach((cell, j) => {
      const id = JSON.stringify([cell.bucket, cell.group]);
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { bucket: cell.bucket, group: cell.group, counters: emptyCounters() }));
      addCounters(row.counters, counters[j]);
    });
    yield [...rows.values()].sort(comparePositions);
  }
}

/** One page of rows, and whether more follow it. */
export async function readUsagePage(
  ledger: Ledger,
  query: UsageQuery,
  limit: number,
  after?: RowPosition,
): Promise<{ rows: UsageRow[]; more: boolean }> {
  const rows: UsageRow[] = [];
  for await (const batch of readUsage(ledger, query, after)) {
    rows.push(...batch);
    if (rows.length > limit) break;
  }
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}
