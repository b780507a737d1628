import { RequestRejected, type Route } from '../dialect';
import { notFound } from './errors';

/**
 * `GET /anthropic/v1/models` and `/anthropic/v1/models/{id}` in Anthropic's list format.
 * https://docs.anthropic.com/en/api/models-list
 */
export function modelRoutes(ids: readonly string[], createdAt: string): Route[] {
  const objects = new Map(ids.map((id) => [id, JSON.stringify({ type: 'model', id, display_name: id, created_at: createdAt })]));
  const list = JSON.stringify({
    data: ids.map((id) => JSON.parse(objects.get(id)!)),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  });
  return [
    {
      name: 'anthropic.models.list',
      method: 'GET',
      path: '/anthropic/v1/models',
      accept: () => ({ model: undefined, respond: (x) => x.json({ status: 200, body: list }) }),
    },
    {
      name: 'anthropic.models.retrieve',
      method: 'GET',
      path: /^\/anthropic\/v1\/models\/([^/]+)$/,
      accept(_body, [id]) {
        const body = objects.get(decodeURIComponent(id!));
        if (body === undefined) throw new RequestRejected(notFound());
        return { model: id, respond: (x) => x.json({ status: 200, body }) };
      },
    },
  ];
}
