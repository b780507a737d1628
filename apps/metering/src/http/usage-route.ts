import { once } from 'node:events';
import { Router, type Response } from 'express';
import type { Principal } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import { isoSeconds } from '../buckets';
import type { Ledger } from '../ledger';
import { readUsage, readUsagePage, type UsageQuery } from '../usage-reader';
import { decodeCursor, encodeCursor } from './cursor';
import { parseUsageRequest, scopeToPrincipal } from './usage-query';
import { csvHeader, csvRow, rowJson } from './usage-rows';

function scoped(query: UsageQuery, res: Response): UsageQuery {
  return { ...query, filter: scopeToPrincipal(query.filter, res.locals.principal as Principal) };
}

/**
 * `GET /v1/usage`: aggregates over a UTC range, grouped and filtered, one page at a time.
 * `GET /v1/usage/export.csv`: the same rows, all of them, streamed as CSV.
 */
export function usageRouter(ledger: Ledger, logger: Logger): Router {
  const router = Router();

  router.get('/v1/usage', async (req, res) => {
    const parsed = parseUsageRequest(req.query as Record<string, unknown>, new Date(), { paginated: true });
    const query = scoped(parsed.query, res);
    const after = parsed.cursor === undefined ? undefined : decodeCursor(query, parsed.cursor);
    const { rows, more } = await readUsagePage(ledger, query, parsed.limit, after);
    const last = rows.at(-1);
    res.json({
      object: 'list',
      granularity: query.granularity,
      from: isoSeconds(query.from),
      to: isoSeconds(query.to),
      group_by: query.groupBy,
      currency: ledger.currency,
      data: rows.map((r) => rowJson(r, query.groupBy, ledger.currency)),
      has_more: more,
      next_cursor: more && last ? encodeCursor(query, last) : null,
    });
  });

  router.get('/v1/usage/export.csv', async (req, res) => {
    const parsed = parseUsageRequest(req.query as Record<string, unknown>, new Date(), { paginated: false });
    const query = scoped(parsed.query, res);
    const rows = readUsage(ledger, query);
    // The first read runs before any header is sent, so that a Redis outage is still a clean 503.
    const first = await rows.next();
    const name = `usage-${query.granularity}-${isoSeconds(query.from).slice(0, 13)}-${isoSeconds(query.to).slice(0, 13)}.csv`;
    res.status(200).set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` });
    try {
      await write(res, csvHeader(query.groupBy));
      for (let batch = first; !batch.done; batch = await rows.next()) {
        if (res.destroyed) return;
        await write(res, batch.value.map((r) => csvRow(r, ledger.currency)).join(''));
      }
      res.end();
    } catch (err) {
      // Headers are gone: the only honest signal left is a cut connection, never a short file that looks complete.
      logger.error({ err, path: req.path }, 'usage export failed midway, connection closed');
      res.destroy(err as Error);
    }
  });

  return router;
}

/** Writes a chunk, waiting for the socket to drain when the client reads slower than Redis answers. */
async function write(res: Response, chunk: string): Promise<void> {
  if (chunk === '' || res.write(chunk) || res.destroyed) return;
  const stop = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: stop.signal }), once(res, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}
