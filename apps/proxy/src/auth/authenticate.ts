import type { IncomingHttpHeaders } from 'node:http';
import type { BusClient } from '@aigw/bus';
import { hashKey, VerifyKey, type Principal } from '@aigw/contracts';
import { presentedKey } from './credential';
import { PrincipalCache } from './principal-cache';

export type Authenticate = (headers: IncomingHttpHeaders) => Promise<Principal>;

/**
 * Who is calling: the presented key's hash is looked up by the auth service (the secret never crosses the
 * bus), through a short-lived in-process cache.
 */
export function createAuthenticator(bus: BusClient, opts: { ttlMs: number; maxEntries?: number }): Authenticate {
  const cache = new PrincipalCache(async (keyHash) => (await bus.request(VerifyKey, { keyHash })).principal, {
    ttlMs: opts.ttlMs,
    negativeTtlMs: Math.min(opts.ttlMs, 1_000),
    maxEntries: opts.maxEntries ?? 10_000,
  });
  return (headers) => cache.get(hashKey(presentedKey(headers)));
}
