import type { Deployment } from '@aigw/contracts';
import type { ClientBody, PreparedRequest } from '../types';

/** The upstream embeddings request: the client's body aimed at the deployment's model. Never streamed. */
export function prepareEmbeddings(body: ClientBody, deployment: Deployment): PreparedRequest {
  return { body: JSON.stringify({ ...body, model: deployment.model }), stream: false, usageAdded: false };
}
