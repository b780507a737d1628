import { RequestRejected, type Route } from '../dialect';
import { modelNotFound } from './errors';

/** A `model` object. https://platform.openai.com/docs/api-reference/models/object */
interface ModelObject {
  id: string;
  object: 'model';
  /** Unix time, number of seconds. */
  created: number;
  owned_by: string;
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * `GET /v1/models` and `GET /v1/models/{model}` over a fixed list, with the bodies built once. Chat and
 * embeddings accept any model name; only these two routes know the list.
 */
export function modelRoutes(ids: readonly string[], created: number): Route[] {
  const objects = new Map<string, string>();
  const all: ModelObject[] = [];
  for (const id of ids) {
    const model: ModelObject = { id, object: 'model', created, owned_by: 'mock-provider' };
    all.push(model);
    objects.set(id, JSON.stringify(model));
  }
  const list = JSON.stringify({ object: 'list', data: all });
  return [
    {
      name: 'openai.models.list',
      method: 'GET',
      path: '/v1/models',
      accept: () => ({ model: undefined, respond: (x) => x.json({ status: 200, body: list }) }),
    },
    {
      name: 'openai.models.retrieve',
      method: 'GET',
      path: /^\/v1\/models\/(.+)$/,
      accept(_body, [raw]) {
        const id = decodeId(raw);
        const body = objects.get(id);
        if (body === undefined) throw new RequestRejected(modelNotFound(id));
        return { model: id, respond: (x) => x.json({ status: 200, body }) };
      },
    },
  ];
}
