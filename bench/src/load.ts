import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadTarget {
  /** Origin, e.g. http://127.0.0.1:8080. */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
}

export interface LoadResult {
  /** Completed requests with a 2xx status. */
  ok: number;
  /** Failures by kind: `http_<status>` or an error code. */
  errors: Record<string, number>;
  elapsedMs: number;
  /** Per successful request, number of milliseconds. */
  latencyMs: number[];
  /** Streams only: request start to first body byte, number of milliseconds. */
  ttftMs: number[];
  /** Streams only: gaps between body chunks after the first, number of milliseconds. */
  gapMs: number[];
}

/**
 * Closed-loop load: `concurrency` workers, each sending its next request as soon as the previous one
 * finished, for `durationMs`. One keep-alive connection per worker.
 */
export async function runLoad(target: LoadTarget, concurrency: number, durationMs: number): Promise<LoadResult> {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const result: LoadResult = { ok: 0, errors: {}, elapsedMs: 0, latencyMs: [], ttftMs: [], gapMs: [] };
  const started = performance.now();
  const deadline = started + durationMs;
  const fail = (kind: string) => {
    result.errors[kind] = (result.errors[kind] ?? 0) + 1;
  };

  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: target.path, headers: target.headers, body: target.body });
        let first = -1;
        let last = 0;
        for await (const chunk of res.body) {
          const now = performance.now();
          if (first < 0) first = now;
          else if (target.stream) result.gapMs.push(now - last);
          last = now;
          void chunk;
        }
        if (res.statusCode >= 200 && res.statusCode < 300) {
          result.ok++;
          result.latencyMs.push(performance.now() - t0);
          if (target.stream && first >= 0) result.ttftMs.push(first - t0);
        } else {
          fail(`http_${res.statusCode}`);
        }
      } catch (err) {
        fail((err as { code?: string }).code ?? (err as Error).name);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  await pool.close();
  return result;
}
