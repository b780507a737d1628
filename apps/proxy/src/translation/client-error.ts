import { clientStatus, type OpenAIErrorBody } from '@aigw/providers';

/** An upstream's error answer as the client gets it: a common status, and the upstream's `retry-after` kept. */
export function upstreamErrorReply(answer: { status: number; error: OpenAIErrorBody; retryAfterMs?: number }): {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
} {
  const headers: Record<string, string> = {};
  if (answer.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(answer.retryAfterMs / 1000));
  return { status: clientStatus(answer.status), body: answer.error, headers };
}
