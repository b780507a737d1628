import { createHash } from 'node:crypto';
import { InvalidRequestError } from '@aigw/contracts';
import type { RowPosition, UsageQuery } from '../usage-reader';

/**
 * Pagination cursors: the position of the last row sent, bound to the query it came from. Opaque to
 * clients (base64url JSON). A position rather than an offset, so rows that appear meanwhile (usage of
 * the current hour) neither repeat nor push others out of the next page.
 */
interface CursorBody {
  /** Fingerprint of the query the cursor belongs to. */
  q: string;
  b: string;
  g: string[];
}

/** A short hash of everything that decides which rows a query returns, in a fixed order. */
function fingerprint(query: UsageQuery): string {
  const canonical = JSON.stringify([
    query.granularity,
    query.from.toISOString(),
    query.to.toISOString(),
    query.groupBy,
    Object.entries(query.filter).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodeCursor(query: UsageQuery, position: RowPosition): string {
  const body: CursorBody = { q: fingerprint(query), b: position.bucket, g: position.group };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The position a cursor continues from; 400 naming `cursor` if it is malformed or belongs to another query. */
export function decodeCursor(query: UsageQuery, cursor: string): RowPosition {
  let body: Partial<CursorBody>;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    throw new InvalidRequestError(`Parameter 'cursor' is not a cursor this API returned.`, 'cursor');
  }
  if (
    typeof body?.q !== 'string' ||
    typeof body.b !== 'string' ||
    !Array.isArray(body.g) ||
    !body.g.every((v) => typeof v === 'string') ||
    body.g.length !== query.groupBy.length
  ) {
    throw new InvalidRequestError(`Parameter 'cursor' is not a cursor this API returned.`, 'cursor');
  }
  if (body.q !== fingerprint(query)) {
    throw new InvalidRequestError(
      `Parameter 'cursor' belongs to a query with other parameters; repeat the original query with it.`,
      'cursor',
    );
  }
  return { bucket: body.b, group: body.g };
}
