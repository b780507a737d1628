/**
 * UTC time buckets of the aggregates. A bucket is named by a label that sorts like its start time:
 * hour `2025-02-01T08`, day `2025-02-01`, month `2025-02`.
 */
export const Granularity = { Hour: 'hour', Day: 'day' } as const;
export type Granularity = (typeof Granularity)[keyof typeof Granularity];

/** Periods of the per-tenant and per-key spend counters. */
export type SpendPeriod = 'day' | 'month';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const LABEL_LENGTH = { hour: 13, day: 10, month: 7 } as const;

/** The label of the bucket holding `at`. */
export function bucketOf(at: Date, unit: Granularity | 'month'): string {
  return at.toISOString().slice(0, LABEL_LENGTH[unit]);
}

/** Start of the bucket named `label`. */
export function bucketStart(label: string): Date {
  if (label.length === LABEL_LENGTH.hour) return new Date(`${label}:00:00.000Z`);
  if (label.length === LABEL_LENGTH.day) return new Date(`${label}T00:00:00.000Z`);
  return new Date(`${label}-01T00:00:00.000Z`);
}

/** End (exclusive) of the bucket named `label`. */
export function bucketEnd(label: string): Date {
  const start = bucketStart(label);
  if (label.length === LABEL_LENGTH.hour) return new Date(start.getTime() + HOUR_MS);
  if (label.length === LABEL_LENGTH.day) return new Date(start.getTime() + DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** Length of one bucket of `unit`, number of milliseconds. */
export function bucketMs(unit: Granularity): number {
  return unit === 'hour' ? HOUR_MS : DAY_MS;
}

/** Whether `at` is the start of a bucket of `unit`. */
export function isBucketStart(at: Date, unit: Granularity): boolean {
  return at.getTime() % bucketMs(unit) === 0;
}

/** The labels of the buckets of `unit` from `from` (a bucket start) up to `to` (exclusive), in order. */
export function bucketsBetween(from: Date, to: Date, unit: Granularity): string[] {
  const labels: string[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += bucketMs(unit)) labels.push(bucketOf(new Date(t), unit));
  return labels;
}

/** ISO 8601 UTC without milliseconds, as the API writes times: `2025-02-01T08:00:00Z`. */
export function isoSeconds(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}
