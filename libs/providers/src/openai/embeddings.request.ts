import type { ClientBody } from '../types';

/** The upstream embeddings request: the client's body aimed at the deployment's model. Never streamed. */
export function embeddingsBody(body: ClientBody, model: string): Record<string, unknown> {
  return { ...body, model };
}
