import { Router } from 'express';
import type { Principal } from '@aigw/contracts';
import { COUNTERS, emptyCounters, type Ledger } from '../ledger';
import { parseUsageQuery, scopeToPrincipal, utcToday } from './usage-query';

/** `GET /v1/usage`: aggregates over a UTC date range, narrowed to what the caller may see. */
export function usageRouter(ledger: Ledger): Router {
  const router = Router();
  router.get('/v1/usage', async (req, res) => {
    const principal = res.locals.principal as Principal;
    const requested = parseUsageQuery(req.query as Record<string, unknown>, utcToday());
    const rows = await ledger.read(scopeToPrincipal(requested, principal));
    const totals = emptyCounters();
    for (const row of rows) for (const c of COUNTERS) totals[c] += row[c];
    res.json({ object: 'list', data: rows, totals });
  });
  return router;
}
