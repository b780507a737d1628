import type { IncomingHttpHeaders } from 'node:http';
import { InvalidApiKeyError, presentedCredential } from '@aigw/contracts';

/** OpenAI's wording for a request without a key, so that clients show the familiar hint. */
export const MISSING_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
  '(i.e. Authorization: Bearer YOUR_KEY). Ask your gateway administrator for a key.';

/**
 * The credential a request presents: `Authorization: Bearer <key or JWT>`, or `x-api-key` as Anthropic's
 * clients send it, or `x-goog-api-key` as Gemini's do.
 */
export function presentedKey(headers: IncomingHttpHeaders): string {
  const presented = presentedCredential(headers);
  if (!presented) throw new InvalidApiKeyError(MISSING_KEY_MESSAGE);
  return presented.credential;
}
