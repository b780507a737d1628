import { InvalidRequestError, type ListedModel } from '@aigw/contracts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/**
 * https://docs.anthropic.com/en/api/models: `created_at` is an RFC 3339 time, here when the alias was
 * configured; the gateway has no display name of its own, so it shows the alias.
 */
export function anthropicModel(model: ListedModel) {
  return { type: 'model', id: model.id, display_name: model.id, created_at: new Date(model.created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/**
 * One page of https://docs.anthropic.com/en/api/models-list: `limit` (1 to 1000, default 20) models after
 * `after_id` or before `before_id`, with the ids that bound the page and whether more follow in its direction.
 */
export function anthropicModelPage(models: readonly ListedModel[], query: URLSearchParams) {
  const limit = limitOf(query.get('limit'));
  const afterId = query.get('after_id');
  const beforeId = query.get('before_id');
  // A cursor that names no model gives an empty page.
  const indexOf = (id: string) => {
    const i = models.findIndex((m) => m.id === id);
    return i < 0 ? undefined : i;
  };
  let page: readonly ListedModel[];
  let hasMore: boolean;
  if (beforeId !== null) {
    const end = indexOf(beforeId) ?? 0;
    page = models.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = afterId === null ? 0 : (indexOf(afterId) ?? models.length - 1) + 1;
    page = models.slice(start, start + limit);
    hasMore = start + limit < models.length;
  }
  return { data: page.map(anthropicModel), has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
}

function limitOf(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidRequestError(`limit: expected an integer from 1 to ${MAX_LIMIT}, got '${raw}'.`, 'limit');
  }
  return limit;
}
