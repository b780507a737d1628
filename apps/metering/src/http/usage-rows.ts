import { formatMicros } from '@aigw/pricing';
import { bucketEnd, bucketStart, isoSeconds } from '../buckets';
import { COUNTERS, type Counters } from '../event-counters';
import type { Dimension } from '../ledger-keys';
import type { UsageRow } from '../usage-reader';

/** How each dimension is named in API rows and CSV headers. */
export const DIMENSION_FIELDS: Readonly<Record<Dimension, string>> = {
  tenant: 'tenant_id',
  key: 'key_id',
  model: 'model',
  provider: 'provider',
};

/** Counters shown as integers; `cost_micros` is shown as the decimal `cost` instead. */
const COUNT_FIELDS = COUNTERS.filter((c) => c !== 'cost_micros');

/** Money as the API writes it: an exact decimal string and its ISO 4217 currency. */
export interface Money {
  amount: string;
  currency: string;
}

export function money(micros: number, currency: string): Money {
  return { amount: formatMicros(micros), currency };
}

/** The JSON form of one row: its bucket as a UTC range, the grouped dimensions, the counters and the cost. */
export function rowJson(row: UsageRow, groupBy: Dimension[], currency: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    start: isoSeconds(bucketStart(row.bucket)),
    end: isoSeconds(bucketEnd(row.bucket)),
  };
  groupBy.forEach((d, i) => (out[DIMENSION_FIELDS[d]] = row.group[i]));
  for (const c of COUNT_FIELDS) out[c] = row.counters[c];
  out.cost = money(row.counters.cost_micros, currency);
  return out;
}

export function csvHeader(groupBy: Dimension[]): string {
  return csvLine(['start', 'end', ...groupBy.map((d) => DIMENSION_FIELDS[d]), ...COUNT_FIELDS, 'cost', 'currency']);
}

export function csvRow(row: UsageRow, currency: string): string {
  const c: Counters = row.counters;
  return csvLine([
    isoSeconds(bucketStart(row.bucket)),
    isoSeconds(bucketEnd(row.bucket)),
    ...row.group,
    ...COUNT_FIELDS.map((f) => String(c[f])),
    formatMicros(c.cost_micros),
    currency,
  ]);
}

/**
 * One RFC 4180 line. A text cell a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or
 * CR) gets a leading `'`, as OWASP advises for CSV exports; numbers and money never start with one of those.
 */
function csvLine(cells: string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
