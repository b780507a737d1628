import type { IncomingHttpHeaders } from 'node:http';
import { InvalidApiKeyError } from '@aigw/contracts';

/** OpenAI's wording for a request without a key, so that clients show the familiar hint. */
export const MISSING_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
  '(i.e. Authorization: Bearer YOUR_KEY). Ask your gateway administrator for a key.';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The gateway key a request presents: `Authorization: Bearer <key>`, or `x-api-key` as Anthropic's clients send it. */
export function presentedKey(headers: IncomingHttpHeaders): string {
  const authorization = headers.authorization;
  if (authorization) {
    const key = BEARER.exec(authorization)?.[1];
    if (key) return key;
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  throw new InvalidApiKeyError(MISSING_KEY_MESSAGE);
}
