import { readFileSync, statSync } from 'node:fs';
import { round2, summarize } from './stats';

/** The proxy's own measurements in its access line (`"msg":"request"`, logged at info), number of milliseconds. */
const FIELDS = ['durationMs', 'authMs', 'admissionMs', 'upstreamMs'] as const;

type Quantiles = { p50: number; p99: number };

/** Where the access lines of a stretch of load will start: the log's size now. */
export function logOffset(path: string): number {
  return statSync(path).size;
}

/**
 * p50 and p99 of what the proxy measured itself for every request logged since `offset`: its whole window
 * (from its first middleware to the response's close) and the phases in it. Exact per request, unlike the
 * phase histograms' bucket interpolation; only there when the stack logs at info (`BENCH_LOG_LEVEL=info`).
 */
export function accessLogTimings(path: string, offset: number): Record<(typeof FIELDS)[number], Quantiles> & { requests: number } {
  const values: Record<string, number[]> = Object.fromEntries(FIELDS.map((f) => [f, []]));
  let requests = 0;
  for (const line of readFileSync(path).subarray(offset).toString('utf8').split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    requests += 1;
    for (const f of FIELDS) if (typeof rec[f] === 'number') values[f]!.push(rec[f] as number);
  }
  const quantiles = (xs: number[]): Quantiles => {
    const s = summarize(xs);
    return { p50: round2(s.p50), p99: round2(s.p99) };
  };
  return { requests, ...(Object.fromEntries(FIELDS.map((f) => [f, quantiles(values[f]!)])) as Record<(typeof FIELDS)[number], Quantiles>) };
}
