/** Percentile of already sorted numbers (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function sortedCopy(values: readonly number[]): number[] {
  return Float64Array.from(values).sort() as unknown as number[];
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = Array.from(sortedCopy(values));
  const sum = values.reduce((a, b) => a + b, 0);
  return { count: values.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: values.length ? sum / values.length : NaN };
}

/** Rounded to hundredths, as the report shows every figure. */
export const round2 = (n: number): number => Math.round(n * 100) / 100;
