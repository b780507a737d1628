/**
 * Money is integer micro-units of the price table's currency (1 USD = 1,000,000), never floating point.
 * Prices are written in config as decimal strings per million tokens ("0.15" = $0.15 per 1M tokens), which
 * is exactly `150000` micro-units per million tokens.
 */
export type Micros = number;

export const MICROS_PER_UNIT = 1_000_000;

const DECIMAL = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

/** Parses a non-negative decimal string with at most 6 decimals into micro-units, exactly. */
export function parseMicros(text: string): Micros | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * MICROS_PER_UNIT + Number((m[2] ?? '').padEnd(6, '0'));
}

/** Formats micro-units as a decimal string with 6 decimals ("1.500000"), for APIs and CSV. */
export function formatMicros(micros: Micros): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / MICROS_PER_UNIT)}.${String(abs % MICROS_PER_UNIT).padStart(6, '0')}`;
}
