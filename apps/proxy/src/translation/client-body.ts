import { UpstreamError } from '@aigw/contracts';
import { looksLikeJsonObject, type OperationAdapter, type PreparedRequest, type TokenUsage } from '@aigw/providers';

/**
 * A complete 2xx upstream body as the client gets it: byte for byte when the upstream speaks the client's
 * format (usage read off the bytes), translated otherwise. A body the upstream got wrong (cut short, not
 * JSON, not what its API documents) throws `UpstreamError`, a 502 in the client's format.
 */
export function clientBody(upstream: { body: Buffer; contentType: string; adapter: OperationAdapter; prepared: PreparedRequest }): {
  body: Buffer;
  contentType: string;
  usage: TokenUsage | undefined;
} {
  const translation = upstream.prepared.translation;
  if (translation) {
    const out = translation.body(upstream.body);
    return { body: Buffer.from(out.body), contentType: 'application/json', usage: out.usage };
  }
  if (!looksLikeJsonObject(upstream.body)) throw new UpstreamError('The upstream answered with a body that is not a complete JSON object.');
  return { body: upstream.body, contentType: upstream.contentType, usage: upstream.adapter.readUsage(upstream.body) };
}
