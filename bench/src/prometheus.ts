/** One scrape of a service's /metrics: sample name with labels → value. */
export type Scrape = Map<string, number>;

export async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(url)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/**
 * Quantiles of a histogram over the interval between two scrapes, in milliseconds, by linear
 * interpolation within buckets (as Prometheus' histogram_quantile does), summed over label sets.
 */
export function histogramQuantiles(
  before: Scrape,
  after: Scrape,
  name: string,
  quantiles: number[],
  /** Only series with this label, e.g. `phase="admission"`. */
  label?: string,
): Record<string, number> | null {
  const buckets = new Map<number, number>();
  for (const [sample, value] of after) {
    if (!sample.startsWith(`${name}_bucket{`) || (label && !sample.includes(label))) continue;
    const le = /le="([^"]+)"/.exec(sample)?.[1];
    if (!le) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value - (before.get(sample) ?? 0));
  }
  if (buckets.size === 0) return null;
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted[sorted.length - 1][1];
  if (total <= 0) return null;
  const out: Record<string, number> = {};
  for (const q of quantiles) {
    const rank = (q / 100) * total;
    let prevBound = 0;
    let prevCount = 0;
    for (const [bound, count] of sorted) {
      if (count >= rank) {
        const upper = bound === Infinity ? prevBound : bound;
        const within = count === prevCount ? 0 : (rank - prevCount) / (count - prevCount);
        out[`p${q}`] = Math.round((prevBound + (upper - prevBound) * within) * 1000 * 1000) / 1000;
        break;
      }
      prevBound = bound;
      prevCount = count;
    }
  }
  return out;
}
