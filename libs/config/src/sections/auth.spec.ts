import { AuthSection } from './auth';

const problems = (value: unknown) => {
  const result = AuthSection.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('auth config section', () => {
  it('auth config – defaults to no trusted proxy, 20 failures a minute and no JWT issuer', () => {
    expect(AuthSection.parse(undefined)).toEqual({ trustedProxies: [], failedAuth: { limit: 20, windowS: 60 }, jwtIssuers: {} });
  });

  it('auth config – reads an HS256 and a JWKS issuer with their claim mappings', () => {
    const cfg = AuthSection.parse({
      trustedProxies: ['10.0.0.0/8', 'fd00::/8', '192.0.2.1'],
      jwtIssuers: {
        corp: { issuer: 'https://idp.example', audience: 'aigw', algorithms: ['RS256', 'ES256'], jwksUrl: 'https://idp.example/jwks' },
        ci: {
          issuer: 'ci',
          audience: ['aigw', 'gateway'],
          algorithms: ['HS256'],
          secretEnv: 'CI_JWT_SECRET',
          claims: { tenant: 'org.id', role: 'groups' },
          roles: { 'gw-admins': 'admin' },
        },
      },
    });
    expect(cfg.jwtIssuers.corp).toMatchObject({ clockSkewS: 30, jwksMaxAgeS: 600, defaultRole: 'client', claims: { tenant: 'tenant', subject: 'sub' } });
    expect(cfg.jwtIssuers.ci).toMatchObject({ claims: { tenant: 'org.id', role: 'groups', subject: 'sub' }, roles: { 'gw-admins': 'admin' } });
  });

  it('auth config – names a trusted proxy that is not a CIDR block', () => {
    expect(problems({ trustedProxies: ['10.0.0.0/33', 'lb.internal'] })).toEqual([
      'trustedProxies.0: not an IPv4 or IPv6 address or CIDR block',
      'trustedProxies.1: not an IPv4 or IPv6 address or CIDR block',
    ]);
  });

  it('auth config – refuses an issuer mixing HS256 with public-key algorithms, or missing its key source', () => {
    expect(problems({ jwtIssuers: { x: { issuer: 'x', audience: 'a', algorithms: ['HS256', 'RS256'], secretEnv: 'S', jwksUrl: 'https://x/jwks' } } })).toContain(
      'jwtIssuers.x.algorithms: HS256 and RS256/ES256 cannot share an issuer: a public key must never be usable as an HMAC secret',
    );
    expect(problems({ jwtIssuers: { x: { issuer: 'x', audience: 'a', algorithms: ['HS256'] } } })).toEqual(['jwtIssuers.x.secretEnv: HS256 needs secretEnv']);
    expect(problems({ jwtIssuers: { x: { issuer: 'x', audience: 'a', algorithms: ['ES256'] } } })).toEqual(['jwtIssuers.x.jwksUrl: RS256 and ES256 need jwksUrl']);
  });

  it('auth config – rejects unknown fields and algorithms such as none', () => {
    expect(problems({ trustedProxy: [] })).toHaveLength(1);
    expect(problems({ jwtIssuers: { x: { issuer: 'x', audience: 'a', algorithms: ['none'], jwksUrl: 'https://x/jwks' } } }).length).toBeGreaterThan(0);
    expect(problems({ jwtIssuers: { x: { issuer: 'x', audience: 'a', algorithms: ['ES256'], jwksUrl: 'https://x/jwks', clockSkew: 5 } } })).toHaveLength(1);
  });
});
