import type { IncomingHttpHeaders } from 'node:http';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Where a credential came from: headers of the OpenAI, Anthropic and Gemini clients. */
export type CredentialHeader = 'authorization' | 'x-api-key' | 'x-goog-api-key';

/**
 * The credential a request presents, in the header each SDK sends it in: `Authorization: Bearer`
 * (OpenAI, and JWTs), `x-api-key` (Anthropic), `x-goog-api-key` (Gemini). `undefined` when there is none.
 */
export function presentedCredential(headers: IncomingHttpHeaders): { credential: string; header: CredentialHeader } | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const credential = BEARER.exec(authorization)?.[1];
    if (credential) return { credential, header: 'authorization' };
  }
  for (const header of ['x-api-key', 'x-goog-api-key'] as const) {
    const value = headers[header];
    if (typeof value === 'string' && value.trim() !== '') return { credential: value.trim(), header };
  }
  return undefined;
}

/** A JWT's compact form: three base64url parts. Gateway keys never contain a dot, so the two cannot be confused. */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential);
}
