import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { SpanKind } from '@opentelemetry/api';
import { tracing as sdkTracing } from '@opentelemetry/sdk-node';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Service } from '@nats-io/services';
import { endpoint, startService } from '@aigw/bus';
import { AuthSection } from '@aigw/config';
import { Admit, GetTenant, ListModels, ModelNotFoundError, RecordAuthFailure, Route, type AdmitRequest, type Deployment } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../src/proxy-server';
import { startAuthProcess, type AuthProcess } from './auth-service-process';
import { FakeUpstream } from './upstream-server';

const secret = () => `sk-aigw-${randomBytes(24).toString('base64url')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// As the proxy's main.ts starts it: the trace context does not follow awaits, the proxy passes it on.
const spans = new sdkTracing.InMemorySpanExporter();
const tracing = startTracing('proxy', { spanProcessors: [new sdkTracing.SimpleSpanProcessor(spans)], asyncContext: false });

const seeds = { ROOT_KEY: secret(), APP_KEY: secret(), BOOKS_KEY: secret() };
const HS_SECRET = randomBytes(48).toString('base64url');
const AUTH_CONFIG = `
providers: {}
deployments: {}
models: {}
keys:
  - { id: key_root, tenant: ops, role: admin, secretEnv: ROOT_KEY }
  - { id: key_app, tenant: acme, role: client, secretEnv: APP_KEY }
  - { id: key_books, tenant: acme, role: finance, secretEnv: BOOKS_KEY }
quota:
  tiers:
    free: { rpm: 10 }
    pro: { rpm: 1000 }
auth:
  failedAuth: { limit: 20, windowS: 60 }
`;

interface Reply {
  status: number;
  headers: Headers;
  body: { error?: { message: string; type: string; code: string } } & Record<string, unknown>;
}

/** A JWKS endpoint the test controls: which keys it serves, and how often it was fetched. */
class JwksServer {
  keys: JWK[] = [];
  fetches = 0;
  url = '';
  readonly #server: Server = createServer((_req, res) => {
    this.fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  });

  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/jwks`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.#server.close(() => r()));
  }
}

describe('proxy authentication with the real auth service', () => {
  let nats: TestServer;
  let redis: TestServer;
  let nc: NatsConnection;
  let auth: AuthProcess;
  let upstream: FakeUpstream;
  let jwks: JwksServer;
  const services: Service[] = [];
  const admits: AdmitRequest[] = [];
  const proxyLogs: string[] = [];
  /** Peer 127.0.0.1 is not a trusted proxy here: every request is attributed to the socket address. */
  let direct: ProxyHandle;
  /** Trusts 127.0.0.1 as a load balancer, so tests can speak for other client addresses with X-Forwarded-For. */
  let behindLb: ProxyHandle;
  /** Asks auth again after 300 ms, and serves a key auth confirmed within the last minute while auth cannot answer. */
  let forgiving: ProxyHandle;
  /** Every credential the tests used: none may appear in a log line. */
  const credentials: string[] = [...Object.values(seeds), HS_SECRET];
  const signing: Record<'rs' | 'es' | 'rsNext', { privateKey: KeyLike; jwk: JWK }> = {} as never;

  async function call(
    proxy: ProxyHandle,
    path: string,
    opts: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<Reply> {
    const res = await fetch(`${proxy.url}${path}`, {
      method: opts.body === undefined ? 'GET' : 'POST',
      headers: {
        ...(opts.key === undefined ? {} : { authorization: `Bearer ${opts.key}` }),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
  }
  const chat = (proxy: ProxyHandle, key: string, model = 'gpt-test', headers: Record<string, string> = {}) =>
    call(proxy, '/v1/chat/completions', { key, headers, body: { model, messages: [{ role: 'user', content: 'hi' }] } });

  async function admin(method: string, path: string, body?: unknown): Promise<Reply & { body: Record<string, unknown> }> {
    const res = await fetch(`${auth.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${seeds.ROOT_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const reply = { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
    expect(reply.status).toBeLessThan(300);
    return reply;
  }
  async function newKey(body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    const { body: key } = await admin('POST', '/admin/v1/keys', { tenantId: 'acme', ...body });
    credentials.push(key.secret as string);
    return { id: key.id as string, secret: key.secret as string };
  }

  async function token(
    kind: 'rs' | 'es' | 'rsNext' | 'hs',
    claims: Record<string, unknown> = {},
    opts: { issuer?: string; audience?: string; expiresIn?: number | string; kid?: string } = {},
  ): Promise<string> {
    const alg = kind === 'es' ? 'ES256' : kind === 'hs' ? 'HS256' : 'RS256';
    const jwt = new SignJWT({ org: { tenant: 'acme' }, ...claims })
      .setProtectedHeader({ alg, ...(kind === 'hs' ? {} : { kid: opts.kid ?? signing[kind].jwk.kid }) })
      .setSubject('user-1')
      .setIssuer(opts.issuer ?? (kind === 'hs' ? 'ci' : 'https://idp.test'))
      .setAudience(opts.audience ?? 'aigw')
      .setIssuedAt()
      .setJti(randomBytes(8).toString('hex'))
      .setExpirationTime(opts.expiresIn ?? '5m');
    const signed = await jwt.sign(kind === 'hs' ? new TextEncoder().encode(HS_SECRET) : signing[kind].privateKey);
    credentials.push(signed);
    return signed;
  }

  beforeAll(async () => {
    [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
    nc = await connect({ servers: nats.url });
    upstream = new FakeUpstream();
    await upstream.start();
    jwks = new JwksServer();
    await jwks.start();
    for (const [name, alg, kid] of [['rs', 'RS256', 'rs-1'], ['es', 'ES256', 'es-1'], ['rsNext', 'RS256', 'rs-2']] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      signing[name] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    }
    jwks.keys = [signing.rs.jwk, signing.es.jwk];

    const deployment = (id: string): Deployment => ({ id, provider: 'fake', kind: 'openai', baseUrl: upstream.url, model: 'up-ok', credentialEnv: 'TEST_UPSTREAM_KEY' });
    const aliases: Record<string, Deployment[]> = { 'gpt-test': [deployment('dep-a')], 'gpt-other': [deployment('dep-b')], 'claude-x': [deployment('dep-c')] };
    const quiet = createLogger('test-services', 'silent');
    services.push(
      await startService(
        nc,
        'quota',
        [
          endpoint(Admit, async (request) => {
            admits.push(request);
            return { admitted: true, requests: { limit: 600, remaining: 599, resetMs: 100 } };
          }),
        ],
        quiet,
      ),
      await startService(
        nc,
        'router',
        [
          endpoint(Route, async ({ model }) => {
            if (!aliases[model]) throw new ModelNotFoundError(model);
            return { alias: model, candidates: aliases[model]! };
          }),
          endpoint(ListModels, async () => ({ models: Object.keys(aliases).map((id) => ({ id, created: 1_700_000_000, ownedBy: 'fake' })) })),
        ],
        quiet,
      ),
    );

    auth = await startAuthProcess({ natsUrl: nats.url, redisUrl: redis.url, config: AUTH_CONFIG, env: seeds });

    const jwtIssuers = {
      corp: {
        issuer: 'https://idp.test',
        audience: 'aigw',
        algorithms: ['RS256', 'ES256'],
        jwksUrl: jwks.url,
        jwksMaxAgeS: 1,
        clockSkewS: 5,
        claims: { tenant: 'org.tenant', role: 'groups', tier: 'plan', models: 'models' },
        roles: { 'gw-finance': 'finance', 'gw-admins': 'admin' },
      },
      ci: { issuer: 'ci', audience: 'aigw', algorithms: ['HS256'], secretEnv: 'CI_JWT_SECRET' },
    };
    const options = (trustedProxies: string[]): ProxyOptions => ({
      natsUrl: nats.url,
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('proxy', 'debug', new Writable({ write: (chunk: Buffer, _e, done) => (proxyLogs.push(chunk.toString()), done()) })),
      maxBodyBytes: 1024 * 1024,
      busTimeoutMs: 2_000,
      // Far longer than any test: whatever drops a cached principal here is auth's announcement, not expiry.
      authCacheTtlMs: 60_000,
      upstream: { connections: 16, connectTimeoutMs: 1_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 },
      shutdownGraceMs: 1_000,
      credentials: { TEST_UPSTREAM_KEY: 'sk-upstream-test' },
      auth: AuthSection.parse({ trustedProxies, jwtIssuers }),
      authSecrets: { CI_JWT_SECRET: HS_SECRET },
    });
    direct = await startProxy(options([]));
    behindLb = await startProxy(options(['127.0.0.1/32', '::1/128']));
    forgiving = await startProxy({ ...options([]), authCacheTtlMs: 300, authStaleIfErrorMs: 60_000 });
  }, 60_000);

  afterAll(async () => {
    await direct?.close();
    await behindLb?.close();
    await forgiving?.close();
    await auth?.stop();
    for (const service of services) await service.stop();
    await nc?.drain();
    await upstream?.close();
    await jwks?.close();
    await Promise.all([nats?.cleanup(), redis?.cleanup()]);
    await tracing.shutdown();
  });

  describe('gateway keys', () => {
    it('proxy auth – takes a gateway key from Authorization, x-api-key or x-goog-api-key', async () => {
      expect((await chat(direct, seeds.APP_KEY)).status).toBe(200);
      for (const header of ['x-api-key', 'x-goog-api-key']) {
        const reply = await call(direct, '/v1/chat/completions', { headers: { [header]: seeds.APP_KEY }, body: { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] } });
        expect(reply.status).toBe(200);
      }
      expect(admits.at(-1)).toMatchObject({ keyId: 'key_app', tenantId: 'acme' });
    });

    it('proxy auth – 401 in OpenAI’s error shape for a missing or unknown key', async () => {
      const missing = await call(direct, '/v1/models');
      expect(missing.status).toBe(401);
      expect(missing.body.error).toMatchObject({ code: 'invalid_api_key', type: 'invalid_request_error', message: expect.stringMatching(/API key/) });
      expect((await call(direct, '/v1/models', { key: secret() })).status).toBe(401);
    });

    it('proxy auth – a revocation reaches both replicas within 1 s although both cached the key', async () => {
      const { id, secret: key } = await newKey();
      for (const proxy of [direct, behindLb]) expect((await call(proxy, '/v1/models', { key })).status).toBe(200);

      const startedAt = performance.now();
      await admin('POST', `/admin/v1/keys/${id}/revoke`);
      const refusedAfter = await Promise.all(
        [direct, behindLb].map(async (proxy) => {
          for (;;) {
            const reply = await call(proxy, '/v1/models', { key });
            if (reply.status === 401) {
              expect(reply.body.error!.message).toMatch(/revoked/);
              return performance.now() - startedAt;
            }
            expect(reply.status).toBe(200);
            if (performance.now() - startedAt > 5_000) throw new Error('the revocation never reached this replica');
            await sleep(5);
          }
        }),
      );
      expect(Math.max(...refusedAfter)).toBeLessThan(1_000);
    });

    it('proxy auth – a rotated key’s old secret works on every replica through its grace period, then gets 401', async () => {
      const { id, secret: oldKey } = await newKey();
      for (const proxy of [direct, behindLb]) expect((await call(proxy, '/v1/models', { key: oldKey })).status).toBe(200);

      const rotated = await admin('POST', `/admin/v1/keys/${id}/rotate`, { gracePeriodS: 1 });
      const newKeySecret = rotated.body.secret as string;
      credentials.push(newKeySecret);
      const graceEnd = Date.parse(rotated.body.previousSecretValidUntil as string);
      for (const proxy of [direct, behindLb]) {
        expect((await call(proxy, '/v1/models', { key: oldKey })).status).toBe(200);
        expect((await call(proxy, '/v1/models', { key: newKeySecret })).status).toBe(200);
      }

      await sleep(graceEnd - Date.now() + 20);
      for (const proxy of [direct, behindLb]) {
        const old = await call(proxy, '/v1/models', { key: oldKey });
        expect(old.status).toBe(401);
        expect(old.body.error!.message).toMatch(/expired/);
        expect((await call(proxy, '/v1/models', { key: newKeySecret })).status).toBe(200);
      }
    });

    it('proxy auth – an expired key gets 401 at its expiry even while cached', async () => {
      const expiresAt = Date.now() + 800;
      const { secret: key } = await newKey({ expiresAt: new Date(expiresAt).toISOString() });
      expect((await chat(direct, key)).status).toBe(200);
      await sleep(expiresAt - Date.now() + 20);
      const reply = await chat(direct, key);
      expect(reply.status).toBe(401);
      expect(reply.body.error!.message).toMatch(/expired/);
    });

    it('proxy auth – 403 for a model the key may not use, and /v1/models lists and retrieves only those it may', async () => {
      const { secret: key } = await newKey({ allowedModels: ['gpt-*'] });
      expect((await chat(direct, key, 'gpt-other')).status).toBe(200);
      const refused = await chat(direct, key, 'claude-x');
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'permission_denied', message: expect.stringMatching(/claude-x/) });
      const models = await call(direct, '/v1/models', { key });
      expect((models.body.data as Array<{ id: string }>).map((m) => m.id).sort()).toEqual(['gpt-other', 'gpt-test']);
      expect((await call(direct, '/v1/models/gpt-other', { key })).status).toBe(200);
      const hidden = await call(direct, '/v1/models/claude-x', { key });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    });

    it('proxy auth – 403 for a finance key, which is for the metering API only', async () => {
      const reply = await chat(direct, seeds.BOOKS_KEY);
      expect(reply.status).toBe(403);
      expect(reply.body.error).toMatchObject({ code: 'permission_denied', message: expect.stringMatching(/finance/) });
    });
  });

  describe('client addresses', () => {
    it('proxy auth – a key allowlist admits IPv4 and IPv6 clients in its blocks and refuses the rest (403)', async () => {
      const { secret: key } = await newKey({ ipAllowlist: ['198.51.100.0/24', '2001:db8::/32'] });
      expect((await chat(behindLb, key, 'gpt-test', { 'x-forwarded-for': '198.51.100.9' })).status).toBe(200);
      expect((await chat(behindLb, key, 'gpt-test', { 'x-forwarded-for': '2001:db8:1::9' })).status).toBe(200);
      const outside = await chat(behindLb, key, 'gpt-test', { 'x-forwarded-for': '203.0.113.9' });
      expect(outside.status).toBe(403);
      expect(outside.body.error!.message).toMatch(/203\.0\.113\.9/);
    });

    it('proxy auth – ignores a forged X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const { secret: key } = await newKey({ ipAllowlist: ['198.51.100.0/24'] });
      const forged = await chat(direct, key, 'gpt-test', { 'x-forwarded-for': '198.51.100.9' });
      expect(forged.status).toBe(403);
      expect(forged.body.error!.message).toMatch(/127\.0\.0\.1/);
      // Behind the load balancer, a hop the client wrote itself (left of the one the balancer added) is ignored too.
      const spoofedHop = await chat(behindLb, key, 'gpt-test', { 'x-forwarded-for': '198.51.100.9, 203.0.113.50' });
      expect(spoofedHop.status).toBe(403);
    });

    it('proxy auth – a tenant allowlist applies to all its keys and tokens at once', async () => {
      await admin('POST', '/admin/v1/tenants', { tenantId: 'fenced' });
      const { secret: key } = await newKey({ tenantId: 'fenced' });
      const jwt = await token('hs', { tenant: 'fenced' });
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      expect((await chat(behindLb, key, 'gpt-test', from('192.0.2.10'))).status).toBe(200);
      expect((await chat(behindLb, jwt, 'gpt-test', from('192.0.2.10'))).status).toBe(200);

      await admin('PATCH', '/admin/v1/tenants/fenced', { ipAllowlist: ['192.0.2.0/28'] });
      await sleep(100);
      expect((await chat(behindLb, key, 'gpt-test', from('192.0.2.10'))).status).toBe(200);
      expect((await chat(behindLb, key, 'gpt-test', from('192.0.2.20'))).status).toBe(403);
      expect((await chat(behindLb, jwt, 'gpt-test', from('192.0.2.20'))).status).toBe(403);
    });

    it('proxy auth – an address gets 429 with retry-after after 20 failed authentications, and a valid key is still served from it', async () => {
      const { secret: key } = await newKey();
      const attacker = { 'x-forwarded-for': '192.0.2.99' };
      for (let i = 0; i < 20; i++) expect((await chat(behindLb, secret(), 'gpt-test', attacker)).status).toBe(401);
      const refused = await chat(behindLb, secret(), 'gpt-test', attacker);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body.error!.code).toBe('rate_limit_exceeded');
      // Behind a shared NAT the attacker's address is everyone's: a valid key, never seen by this proxy, is served.
      expect((await chat(behindLb, key, 'gpt-test', attacker)).status).toBe(200);
      expect((await chat(behindLb, key, 'gpt-test', { 'x-forwarded-for': '192.0.2.98' })).status).toBe(200);
    });

    it('proxy auth – failures with one key prefix from many addresses are throttled per prefix, not the addresses’ valid keys', async () => {
      const { secret: key } = await newKey();
      const guess = () => `sk-aigw-${randomBytes(24).toString('base64url')}Zq9w`;
      for (let i = 0; i < 20; i++) expect((await chat(behindLb, guess(), 'gpt-test', { 'x-forwarded-for': `198.51.100.${i + 1}` })).status).toBe(401);
      const fresh = { 'x-forwarded-for': '198.51.100.200' };
      expect((await chat(behindLb, guess(), 'gpt-test', fresh)).status).toBe(429);
      expect((await chat(behindLb, secret(), 'gpt-test', fresh)).status).toBe(401);
      expect((await chat(behindLb, key, 'gpt-test', fresh)).status).toBe(200);
    });

    it('proxy auth – bad JWTs count against the address like bad keys', async () => {
      const from = { 'x-forwarded-for': '192.0.2.150' };
      const forged = `${(await token('hs')).slice(0, -4)}AAAA`;
      for (let i = 0; i < 20; i++) expect((await chat(behindLb, forged, 'gpt-test', from)).status).toBe(401);
      expect((await chat(behindLb, forged, 'gpt-test', from)).status).toBe(429);
    });
  });

  describe('JWT bearer tokens', () => {
    it('proxy auth – a token’s tenant lookup and a bad token’s report to auth are part of the request’s trace', async () => {
      await admin('POST', '/admin/v1/tenants', { tenantId: 'traced' });
      const good = await chat(direct, await token('hs', { tenant: 'traced' }));
      const bad = await chat(direct, `${(await token('hs')).slice(0, -4)}AAAA`);
      expect([good.status, bad.status]).toEqual([200, 401]);
      const clientSpan = (traceId: string | null, subject: string) =>
        spans.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT && s.name === subject && s.spanContext().traceId === traceId);
      const authSpanOf = (traceId: string | null) => spans.getFinishedSpans().find((s) => s.name === 'auth' && s.spanContext().traceId === traceId);
      for (const [reply, subject] of [[good, GetTenant.subject], [bad, RecordAuthFailure.subject]] as const) {
        const traceId = reply.headers.get('x-trace-id');
        expect(traceId).toMatch(/^[\da-f]{32}$/);
        expect(clientSpan(traceId, subject)?.parentSpanContext?.spanId).toBe(authSpanOf(traceId)?.spanContext().spanId);
      }
    });

    it('proxy auth – accepts RS256 and ES256 tokens from the issuer’s JWKS, mapping claims to tenant, role, tier and models', async () => {
      for (const kind of ['rs', 'es'] as const) {
        const reply = await chat(direct, await token(kind, { plan: 'pro', groups: ['staff'] }));
        expect(reply.status).toBe(200);
        expect(admits.at(-1)).toMatchObject({ keyId: 'jwt:corp:user-1', tenantId: 'acme', tier: 'pro' });
      }
      const limited = await token('rs', { models: ['gpt-test'] });
      expect((await chat(direct, limited, 'gpt-test')).status).toBe(200);
      expect((await chat(direct, limited, 'gpt-other')).status).toBe(403);
      expect((await chat(direct, await token('es', { groups: ['staff', 'gw-finance'] }))).status).toBe(403);
      expect((await chat(direct, await token('es', { groups: ['gw-finance', 'gw-admins'] }))).status).toBe(200);
    });

    it('proxy auth – accepts an HS256 token and a token expired by less than the clock skew', async () => {
      const hs = await chat(direct, await token('hs', { tenant: 'acme' }));
      expect(hs.status).toBe(200);
      expect(admits.at(-1)).toMatchObject({ keyId: 'jwt:ci:user-1', tenantId: 'acme' });
      expect((await chat(direct, await token('rs', {}, { expiresIn: Math.floor(Date.now() / 1000) - 2 }))).status).toBe(200);
    });

    it('proxy auth – 401 for a token with the wrong issuer, audience, signature or algorithm, or expired', async () => {
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(
        JSON.stringify({ iss: 'ci', aud: 'aigw', sub: 'x', tenant: 'acme', exp: Math.floor(Date.now() / 1000) + 60 }),
      ).toString('base64url')}.`;
      const cases: Array<[string, Promise<string> | string, RegExp]> = [
        ['wrong issuer', token('rs', {}, { issuer: 'https://evil.test' }), /issuer/],
        ['wrong audience', token('rs', {}, { audience: 'someone-else' }), /claim/],
        ['expired beyond the skew', token('es', {}, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), /expired/],
        ['bad signature', token('rs').then((t) => `${t.slice(0, -6)}AAAAAA`), /signature/],
        ['HS256 signed with the wrong secret', new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('ci').setAudience('aigw').setSubject('x').setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(40))), /signature/],
        ['RS256 key used by the HS256 issuer', token('rs', {}, { issuer: 'ci' }), /algorithm/],
        ['alg none', unsigned, /./],
        ['unknown tenant', token('hs', { tenant: 'nobody' }), /tenant 'nobody'/],
      ];
      for (const [what, pending, message] of cases) {
        const jwt = await pending;
        credentials.push(jwt);
        const reply = await chat(direct, jwt);
        expect({ what, status: reply.status }).toEqual({ what, status: 401 });
        expect(reply.body.error).toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(message) });
      }
    });

    it('proxy auth – fetches the JWKS once for many tokens, and again once it is stale to find a new key', async () => {
      await sleep(1_100);
      const before = jwks.fetches;
      for (let i = 0; i < 5; i++) expect((await chat(direct, await token('rs'))).status).toBe(200);
      expect(jwks.fetches - before).toBe(1);

      const rotatedIn = await token('rsNext');
      expect((await chat(direct, rotatedIn)).status).toBe(401);
      jwks.keys = [signing.rs.jwk, signing.es.jwk, signing.rsNext.jwk];
      await sleep(1_100);
      expect((await chat(direct, await token('rsNext'))).status).toBe(200);
    });
  });

  describe('while auth cannot answer', () => {
    it('proxy auth – serves a key auth confirmed within AUTH_CACHE_STALE_IF_ERROR_MS, counting it; a key it never confirmed gets 503', async () => {
      const seen = await newKey();
      const unseen = await newKey();
      expect((await chat(forgiving, seen.secret)).status).toBe(200);
      const stale = async () => Number(/^aigw_proxy_auth_stale_total(?:\{[^}]*\})? (\S+)$/m.exec(await (await fetch(`${forgiving.url}/metrics`)).text())?.[1]);
      const before = await stale();

      await redis.stop();
      try {
        await sleep(400);
        expect((await chat(forgiving, seen.secret)).status).toBe(200);
        expect(admits.at(-1)).toMatchObject({ keyId: seen.id });
        const refused = await chat(forgiving, unseen.secret);
        expect(refused.status).toBe(503);
        expect(refused.body.error).toMatchObject({ code: 'service_unavailable', message: 'The auth service cannot reach its key store.' });
        expect((await stale()) - before).toBe(1);
      } finally {
        await redis.restart();
      }
    });
  });

  describe('secrets', () => {
    it('proxy auth – no key, token or Authorization header appears in the logs of the proxy or of auth', async () => {
      const logs = [...proxyLogs, ...auth.output].join('\n');
      expect(logs.length).toBeGreaterThan(0);
      expect(credentials.length).toBeGreaterThan(30);
      for (const credential of credentials) expect(logs).not.toContain(credential.slice(-24));
      expect(logs).not.toMatch(/bearer\s+[\w-]{8}/i);
    });
  });
});
