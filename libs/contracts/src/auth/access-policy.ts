import type { BlockList } from 'node:net';
import { InvalidApiKeyError, PermissionDeniedError } from '../errors/gateway-error';
import { addressSet, inAddressSet } from './client-address';
import type { Principal, Role } from './verify-key';

/** A principal's rules, compiled once: a regular expression for the model globs, address sets for the allowlists. */
interface CompiledPolicy {
  models?: RegExp;
  keyAddresses?: BlockList;
  tenantAddresses?: BlockList;
}

/** Principals are cached and shared by every request of a key, so their rules are compiled once per principal object. */
const compiled = new WeakMap<Principal, CompiledPolicy>();

/** One regular expression for a list of model globs, where `*` matches any run of characters. */
export function modelPattern(globs: readonly string[]): RegExp {
  const alternatives = globs.map((g) => g.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`, 's');
}

function policyOf(principal: Principal): CompiledPolicy {
  let policy = compiled.get(principal);
  if (!policy) {
    policy = {
      models: principal.allowedModels && modelPattern(principal.allowedModels),
      keyAddresses: principal.ipAllowlist && addressSet(principal.ipAllowlist),
      tenantAddresses: principal.tenantIpAllowlist && addressSet(principal.tenantIpAllowlist),
    };
    compiled.set(principal, policy);
  }
  return policy;
}

export interface CredentialCheck {
  /** The caller's address as `clientAddress` resolved it. */
  clientIp: string;
  /** Roles that may use this route; `admin` may use every route. */
  roles: readonly Role[];
  /** Now, number of milliseconds since the Unix epoch. */
  now: number;
}

/**
 * Whether a verified principal may call a route from where it calls: not expired (401), a role the
 * route accepts, an address its key's and its tenant's allowlists both hold (403). Runs on every
 * request, so it does no more than a comparison and two address-set lookups.
 */
export function checkCredential(principal: Principal, check: CredentialCheck): void {
  if (principal.expiresAt !== undefined && principal.expiresAt <= check.now) {
    throw new InvalidApiKeyError(`The credential expired at ${new Date(principal.expiresAt).toISOString()}.`);
  }
  if (principal.role !== 'admin' && !check.roles.includes(principal.role)) {
    throw new PermissionDeniedError(`A key with the role '${principal.role}' may not use this endpoint; it needs the role ${check.roles.map((r) => `'${r}'`).join(' or ')}.`);
  }
  const { keyAddresses, tenantAddresses } = policyOf(principal);
  if ((keyAddresses && !inAddressSet(keyAddresses, check.clientIp)) || (tenantAddresses && !inAddressSet(tenantAddresses, check.clientIp))) {
    throw new PermissionDeniedError(`Requests from ${check.clientIp} are not allowed for this credential.`);
  }
}

/** Whether the principal may use a model alias (403 when not). */
export function checkModel(principal: Principal, model: string): void {
  if (!allowsModel(principal, model)) {
    throw new PermissionDeniedError(`This credential may not use the model '${model}'.`);
  }
}

/** Whether the principal may use a model alias; for filtering model lists. */
export function allowsModel(principal: Principal, model: string): boolean {
  const { models } = policyOf(principal);
  return !models || models.test(model);
}
