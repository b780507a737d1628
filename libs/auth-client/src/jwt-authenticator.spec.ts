import { SignJWT } from 'jose';
import { AuthSection } from '@aigw/config';
import { TenantNotFoundError, type Tenant } from '@aigw/contracts';
import { freePort } from '@aigw/testing';
import { JwtAuthenticator } from './jwt-authenticator';

const SECRET = 'an-hs256-secret-that-is-long-enough-0123456789';
const tenants: Record<string, Tenant> = { acme: { tenantId: 'acme', name: 'Acme', tier: 'pro', limits: { rpm: 5 }, ipAllowlist: ['10.0.0.0/8'] } };

function authenticator(issuers: unknown, fetches: string[] = []) {
  return new JwtAuthenticator({
    issuers: AuthSection.parse({ jwtIssuers: issuers }).jwtIssuers,
    secrets: { JWT_SECRET: SECRET },
    fetchTenant: async (tenantId) => {
      fetches.push(tenantId);
      if (!tenants[tenantId]) throw new TenantNotFoundError(tenantId);
      return tenants[tenantId]!;
    },
    maxEntries: 100,
    tenantTtlMs: 60_000,
  });
}
const hsIssuer = {
  ci: {
    issuer: 'ci',
    audience: 'aigw',
    algorithms: ['HS256'],
    secretEnv: 'JWT_SECRET',
    claims: { tenant: 'https://aigw.example/tenant', role: 'groups', subject: 'client.id' },
    roles: { viewers: 'finance', admins: 'admin' },
  },
};
const sign = (claims: Record<string, unknown>, expiresIn: string | number = '5m') =>
  new SignJWT({ 'https://aigw.example/tenant': 'acme', client: { id: 'svc-9' }, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('ci')
    .setAudience('aigw')
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(SECRET));

describe('JwtAuthenticator', () => {
  it('jwt – maps claims by full name or dotted path, takes the tenant’s settings, and expires with the token plus the skew', async () => {
    const token = await sign({});
    const principal = await authenticator(hsIssuer).verify(token);
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(principal).toEqual({
      keyId: 'jwt:ci:svc-9',
      tenantId: 'acme',
      role: 'client',
      keyPrefix: 'jwt:ci',
      tier: 'pro',
      limits: {},
      tenantLimits: { rpm: 5 },
      tenantIpAllowlist: ['10.0.0.0/8'],
      expiresAt: (exp + 30) * 1000,
    });
  });

  it('jwt – picks the most privileged mapped role, ignores unmapped values, defaults to client', async () => {
    const auth = authenticator(hsIssuer);
    expect((await auth.verify(await sign({ groups: ['viewers', 'admins'] }))).role).toBe('admin');
    expect((await auth.verify(await sign({ groups: ['viewers', 'admin'] }))).role).toBe('finance');
    expect((await auth.verify(await sign({ groups: 'admin' }))).role).toBe('client');
  });

  it('jwt – verifies a token once and asks for its tenant once while cached; a tenant change drops both', async () => {
    const fetches: string[] = [];
    const auth = authenticator(hsIssuer, fetches);
    const token = await sign({});
    const first = await auth.verify(token);
    expect(await auth.verify(token)).toBe(first);
    expect(fetches).toEqual(['acme']);
    auth.invalidate({ reason: 'tenant-updated', keyIds: [], keyHashes: [], tenantId: 'acme', at: 0 });
    expect(await auth.verify(token)).not.toBe(first);
    expect(fetches).toEqual(['acme', 'acme']);
  });

  it('jwt – refuses a token for a tenant the gateway does not know with invalid_api_key', async () => {
    await expect(authenticator(hsIssuer).verify(await sign({ 'https://aigw.example/tenant': 'nobody' }))).rejects.toMatchObject({
      code: 'invalid_api_key',
      message: expect.stringMatching(/tenant 'nobody'/),
    });
  });

  it('jwt – refuses a token valid for longer than the issuer’s maximum lifetime (a day by default), from its iat or from now', async () => {
    const auth = authenticator(hsIssuer);
    await expect(auth.verify(await sign({}, '23h'))).resolves.toMatchObject({ tenantId: 'acme' });
    await expect(auth.verify(await sign({}, 253402300799))).rejects.toMatchObject({
      code: 'invalid_api_key',
      message: 'The bearer token is not valid: it is valid for longer than the 86400 s its issuer\'s tokens may be.',
    });
    const nowS = Math.floor(Date.now() / 1000);
    await expect(auth.verify(await sign({ iat: nowS - 3600 }, nowS + 86_400 - 1800))).rejects.toMatchObject({ code: 'invalid_api_key' });
    const short = authenticator({ ci: { ...hsIssuer.ci, maxLifetimeS: 60 } });
    await expect(short.verify(await sign({}, '2m'))).rejects.toMatchObject({ message: expect.stringMatching(/longer than the 60 s/) });
  });

  it('jwt – refuses tenant, subject and tier claims with control characters, and drops such model globs', async () => {
    const auth = authenticator({ ci: { ...hsIssuer.ci, claims: { ...hsIssuer.ci.claims, tier: 'plan', models: 'models' } } });
    await expect(auth.verify(await sign({ 'https://aigw.example/tenant': 'a\r\nb' }))).rejects.toMatchObject({
      code: 'invalid_api_key',
      message: expect.stringMatching(/does not name a tenant/),
    });
    await expect(auth.verify(await sign({ client: { id: 'x\u0000' } }))).rejects.toMatchObject({ message: expect.stringMatching(/does not name a subject/) });
    await expect(auth.verify(await sign({ plan: 'pro\n' }))).rejects.toMatchObject({ message: expect.stringMatching(/does not name a tier/) });
    const principal = await auth.verify(await sign({ plan: 'pro', models: ['gpt-*', 'bad\r\n'] }));
    expect(principal.allowedModels).toEqual(['gpt-*']);
  });

  it('jwt – answers service_unavailable, not 401, while the issuer’s key set cannot be fetched', async () => {
    const auth = authenticator({
      corp: { issuer: 'corp', audience: 'aigw', algorithms: ['RS256'], jwksUrl: `http://127.0.0.1:${await freePort()}/jwks` },
    });
    const token = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: 'corp', aud: 'aigw', sub: 'x', tenant: 'acme', exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString('base64url')}.c2ln`;
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'service_unavailable' });
  });

  it('jwt – refuses to start with a missing or short HS256 secret', () => {
    expect(() => authenticator({ ci: { ...hsIssuer.ci, secretEnv: 'UNSET' } })).toThrow(/UNSET/);
    expect(
      () =>
        new JwtAuthenticator({
          issuers: AuthSection.parse({ jwtIssuers: hsIssuer }).jwtIssuers,
          secrets: { JWT_SECRET: 'short' },
          fetchTenant: async () => tenants.acme!,
          maxEntries: 1,
          tenantTtlMs: 1,
        }),
    ).toThrow(/shorter than 32 bytes/);
  });
});
