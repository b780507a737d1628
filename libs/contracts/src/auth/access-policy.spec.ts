import { ErrorCode } from '../errors/codes';
import { allowsModel, checkCredential, checkModel, modelPattern } from './access-policy';
import type { Principal } from './verify-key';

const base: Principal = { keyId: 'key_a', tenantId: 'acme', role: 'client', keyPrefix: 'sk-aigw...abcd', limits: {} };
const now = Date.UTC(2025, 0, 1);
const client = { clientIp: '203.0.113.9', roles: ['client'] as const, now };

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('modelPattern', () => {
  it('modelPattern – matches exact aliases and * globs, nothing more', () => {
    const p = modelPattern(['gpt-4o-mini', 'claude-*', '*-embedding-*']);
    expect(p.test('gpt-4o-mini')).toBe(true);
    expect(p.test('gpt-4o-mini-2')).toBe(false);
    expect(p.test('xgpt-4o-mini')).toBe(false);
    expect(p.test('claude-3-5-sonnet')).toBe(true);
    expect(p.test('text-embedding-3-small')).toBe(true);
    expect(p.test('gpt-4o')).toBe(false);
  });

  it('modelPattern – treats regular expression characters in an alias literally', () => {
    const p = modelPattern(['a.b', 'c+(d)']);
    expect(p.test('a.b')).toBe(true);
    expect(p.test('axb')).toBe(false);
    expect(p.test('c+(d)')).toBe(true);
  });
});

describe('checkCredential', () => {
  it('checkCredential – lets a principal without rules through', () => {
    expect(codeOf(() => checkCredential(base, client))).toBeUndefined();
  });

  it('checkCredential – refuses an expired credential with invalid_api_key (401)', () => {
    expect(codeOf(() => checkCredential({ ...base, expiresAt: now }, client))).toBe(ErrorCode.InvalidApiKey);
    expect(codeOf(() => checkCredential({ ...base, expiresAt: now + 1 }, client))).toBeUndefined();
  });

  it('checkCredential – refuses a role the route does not take with permission_denied (403), and lets admin in everywhere', () => {
    expect(codeOf(() => checkCredential({ ...base, role: 'finance' }, client))).toBe(ErrorCode.PermissionDenied);
    expect(codeOf(() => checkCredential({ ...base, role: 'admin' }, client))).toBeUndefined();
  });

  it('checkCredential – needs the address in the key allowlist and in the tenant allowlist', () => {
    const keyOnly = { ...base, ipAllowlist: ['203.0.113.0/24'] };
    expect(codeOf(() => checkCredential(keyOnly, client))).toBeUndefined();
    expect(codeOf(() => checkCredential(keyOnly, { ...client, clientIp: '198.51.100.1' }))).toBe(ErrorCode.PermissionDenied);

    const both = { ...keyOnly, tenantIpAllowlist: ['2001:db8::/32'] };
    expect(codeOf(() => checkCredential(both, client))).toBe(ErrorCode.PermissionDenied);
    const v6 = { ...base, ipAllowlist: ['2001:db8:1::/48'], tenantIpAllowlist: ['2001:db8::/32'] };
    expect(codeOf(() => checkCredential(v6, { ...client, clientIp: '2001:db8:1::5' }))).toBeUndefined();
    expect(codeOf(() => checkCredential(v6, { ...client, clientIp: '2001:db8:2::5' }))).toBe(ErrorCode.PermissionDenied);
  });
});

describe('checkModel', () => {
  it('checkModel – allows every model without a list, only the listed ones with one', () => {
    expect(allowsModel(base, 'anything')).toBe(true);
    const limited = { ...base, allowedModels: ['gpt-4o-*'] };
    expect(codeOf(() => checkModel(limited, 'gpt-4o-mini'))).toBeUndefined();
    expect(codeOf(() => checkModel(limited, 'o1'))).toBe(ErrorCode.PermissionDenied);
  });

  it('checkModel – allows nothing with an empty list', () => {
    expect(allowsModel({ ...base, allowedModels: [] }, 'gpt-4o-mini')).toBe(false);
  });
});
