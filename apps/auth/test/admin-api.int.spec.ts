import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusClient, subscribeBroadcast, type BroadcastSubscription } from '@aigw/bus';
import type { GatewayConfig } from '@aigw/config';
import { GetTenant, hashKey, KeysChangedEvent, RecordAuthFailure, VerifyKey, type KeysChanged } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { startAuthService, type AuthService, type AuthServiceOptions } from '../src/auth-service';

const seedSecret = () => `sk-aigw-${randomBytes(24).toString('hex')}`;

const SEED_KEYS: GatewayConfig['keys'] = [
  { id: 'key_root', tenant: 'ops', role: 'admin', secretEnv: 'ROOT_KEY' },
  { id: 'key_app', tenant: 'acme', role: 'client', secretEnv: 'APP_KEY', rpm: 100 },
  { id: 'key_books', tenant: 'acme', role: 'finance', secretEnv: 'BOOKS_KEY' },
];
const TIERS = { free: { rpm: 10, models: {} }, pro: { rpm: 1000, models: {} } };

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { message: string; type: string; param: string | null; code: string } };
}

describe('auth admin API', () => {
  let nats: TestServer;
  let redisServer: TestServer;
  let nc: NatsConnection;
  let bus: BusClient;
  let redis: Redis;
  let events: KeysChanged[];
  let eventSub: BroadcastSubscription;
  const logLines: string[] = [];
  const secrets = { ROOT_KEY: seedSecret(), APP_KEY: seedSecret(), BOOKS_KEY: seedSecret() };
  /** Every secret the tests saw: none may reach a log line or Redis. */
  const seen: string[] = Object.values(secrets);
  const services: AuthService[] = [];
  /** Serves the admin API to peers it does not trust (127.0.0.1 is not in its trusted proxies). */
  let direct: AuthService;
  /** Trusts 127.0.0.1 as a proxy, so tests can speak for other client addresses through X-Forwarded-For. */
  let behindProxy: AuthService;

  const start = async (overrides: Partial<AuthServiceOptions> = {}) => {
    const svc = await startAuthService({
      natsUrl: nats.url,
      redisUrl: redisServer.url,
      opsPort: 0,
      adminPort: 0,
      adminHost: '127.0.0.1',
      keys: SEED_KEYS,
      secrets,
      auth: { trustedProxies: ['10.0.0.0/8'], failedAuth: { limit: 20, windowS: 60 } },
      tiers: TIERS,
      logger: createLogger('auth', 'info', { write: (line: string) => void logLines.push(line) }),
      ...overrides,
    });
    services.push(svc);
    return svc;
  };
  const stop = async (svc: AuthService) => {
    services.splice(services.indexOf(svc), 1);
    await svc.close();
  };

  async function api(
    method: string,
    path: string,
    opts: { key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string>; via?: AuthService } = {},
  ): Promise<Reply> {
    const key = opts.key === undefined ? secrets.ROOT_KEY : opts.key;
    const res = await fetch(`http://127.0.0.1:${(opts.via ?? direct).adminPort}${path}`, {
      method,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(opts.body !== undefined || opts.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
  }

  async function createTenant(body: Record<string, unknown>): Promise<Reply> {
    const reply = await api('POST', '/admin/v1/tenants', { body });
    expect(reply.status).toBe(201);
    return reply;
  }

  async function createKey(body: Record<string, unknown>): Promise<{ id: string; secret: string; reply: Reply }> {
    const reply = await api('POST', '/admin/v1/keys', { body });
    expect(reply.status).toBe(201);
    const secret = reply.body.secret as string;
    seen.push(secret);
    return { id: reply.body.id as string, secret, reply };
  }

  const verify = (secret: string, clientIp?: string) => bus.request(VerifyKey, { keyHash: hashKey(secret), clientIp });

  async function eventFor(predicate: (e: KeysChanged) => boolean): Promise<KeysChanged> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const found = events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no matching keys-changed event');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    [nats, redisServer] = await Promise.all([startNatsServer(), startRedisServer()]);
    nc = await connect({ servers: nats.url });
    bus = new BusClient(nc, { timeoutMs: 2000 });
    redis = new Redis(redisServer.url);
    events = [];
    eventSub = subscribeBroadcast(nc, KeysChangedEvent, { onEvent: (e) => events.push(e), onResync: () => undefined }, createLogger('t', 'silent'));
    await nc.flush();
    direct = await start();
    behindProxy = await start({ auth: { trustedProxies: ['127.0.0.1/32', '::1/128'], failedAuth: { limit: 20, windowS: 60 } } });
  });

  afterAll(async () => {
    await Promise.all(services.map((svc) => svc.close()));
    eventSub?.close();
    redis?.disconnect();
    await nc?.close();
    await Promise.all([nats?.cleanup(), redisServer?.cleanup()]);
  });

  describe('who may call it', () => {
    it('admin API – refuses a call without a credential with 401 in OpenAI’s error shape', async () => {
      const reply = await api('GET', '/admin/v1/keys', { key: null });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: { message: expect.stringMatching(/provide an API key/), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    });

    it('admin API – answers, refusals included, with nosniff, no framing, no active content and no caching', async () => {
      for (const reply of [await api('GET', '/admin/v1/tiers'), await api('GET', '/admin/v1/keys', { key: null })]) {
        expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
        expect(reply.headers.get('x-frame-options')).toBe('DENY');
        expect(reply.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
        expect(reply.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('admin API – refuses an unknown key with 401, and a client or finance key with 403', async () => {
      expect((await api('GET', '/admin/v1/keys', { key: seedSecret() })).status).toBe(401);
      for (const key of [secrets.APP_KEY, secrets.BOOKS_KEY]) {
        const reply = await api('GET', '/admin/v1/tenants', { key });
        expect(reply.status).toBe(403);
        expect(reply.body.error).toMatchObject({ code: 'permission_denied', type: 'invalid_request_error' });
      }
    });

    it('admin API – accepts the admin key in x-api-key and x-goog-api-key as well', async () => {
      expect((await api('GET', '/admin/v1/tiers', { key: null, headers: { 'x-api-key': secrets.ROOT_KEY } })).status).toBe(200);
      expect((await api('GET', '/admin/v1/tiers', { key: null, headers: { 'x-goog-api-key': secrets.ROOT_KEY } })).status).toBe(200);
    });
  });

  describe('keys', () => {
    beforeAll(async () => {
      await createTenant({ tenantId: 'globex', name: 'Globex Corporation', tier: 'pro' });
      await createTenant({ tenantId: 'initech' });
    });

    it('admin API – creates a key whose secret is shown once, stored as a hash and usable at once', async () => {
      const { id, secret, reply } = await createKey({
        tenantId: 'globex',
        name: 'billing service',
        allowedModels: ['gpt-4o-mini', 'claude-*'],
        ipAllowlist: ['203.0.113.0/24', '2001:db8::/32'],
        labels: { team: 'billing' },
        limits: { rpm: 30, tpm: 10_000 },
      });
      expect(secret).toMatch(/^sk-aigw-[A-Za-z0-9_-]{43}$/);
      expect(reply.body).toMatchObject({
        object: 'gateway.key',
        id: expect.stringMatching(/^key_[0-9a-f]{24}$/),
        tenantId: 'globex',
        role: 'client',
        status: 'active',
        prefix: `sk-aigw...${secret.slice(-4)}`,
        seeded: false,
        lastUsedAt: null,
      });

      const { principal } = await verify(secret);
      expect(principal).toEqual({
        keyId: id,
        tenantId: 'globex',
        role: 'client',
        keyPrefix: `sk-aigw...${secret.slice(-4)}`,
        tier: 'pro',
        limits: { rpm: 30, tpm: 10_000 },
        tenantLimits: {},
        allowedModels: ['gpt-4o-mini', 'claude-*'],
        ipAllowlist: ['203.0.113.0/24', '2001:db8::/32'],
        labels: { team: 'billing' },
      });

      const fetched = await api('GET', `/admin/v1/keys/${id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).not.toHaveProperty('secret');
      expect(JSON.stringify(fetched.body)).not.toContain(secret.slice(8, -4));
      expect(fetched.body.lastUsedAt).toEqual(expect.any(String));
      expect(await redis.exists(`aigw:key:${hashKey(secret)}`)).toBe(1);
    });

    it('admin API – refuses a key for a tenant that does not exist (404)', async () => {
      const reply = await api('POST', '/admin/v1/keys', { body: { tenantId: 'nobody' } });
      expect(reply.status).toBe(404);
      expect(reply.body.error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/nobody/) });
      expect((await api('GET', '/admin/v1/keys/key_missing')).status).toBe(404);
    });

    it('admin API – validates bodies and names the field at fault (400)', async () => {
      const cases: Array<[unknown, string | null]> = [
        [{ tenantId: 'globex', ipAllowlist: ['10.0.0.0/33'] }, 'ipAllowlist.0'],
        [{ tenantId: 'globex', role: 'root' }, 'role'],
        [{ tenantId: 'globex', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
        [{ tenantId: 'globex', expiresAt: 'tomorrow' }, 'expiresAt'],
        [{ tenantId: 'globex', limits: { rpm: -1 } }, 'limits.rpm'],
        [{ tenantId: 'globex', limits: { rpmm: 5 } }, 'limits'],
        [{ tenantId: 'globex', secret: 'sk-mine' }, null],
        [{ tenantId: 'globex', allowedModels: [] }, 'allowedModels'],
      ];
      for (const [body, param] of cases) {
        const reply = await api('POST', '/admin/v1/keys', { body });
        expect(reply.status).toBe(400);
        expect(reply.body.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
        if (param) expect(reply.body.error!.param).toBe(param);
      }
      const malformed = await api('POST', '/admin/v1/keys', { rawBody: '{"tenantId": ' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error!.code).toBe('invalid_json');
      expect((await api('PATCH', `/admin/v1/keys/key_app`, { body: {} })).status).toBe(400);
    });

    it('admin API – pages through keys with limit and after, in id order', async () => {
      await createTenant({ tenantId: 'paged' });
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await createKey({ tenantId: 'paged' })).id);
      ids.sort();

      const pages: string[][] = [];
      let after: string | null = null;
      for (;;) {
        const query: string = `?limit=2${after ? `&after=${after}` : ''}`;
        const reply = await api('GET', `/admin/v1/tenants/paged/keys${query}`);
        expect(reply.status).toBe(200);
        const page = (reply.body.data as Array<{ id: string }>).map((k) => k.id);
        pages.push(page);
        expect(reply.body.lastId).toBe(page.at(-1) ?? null);
        if (!reply.body.hasMore) break;
        after = reply.body.lastId as string;
      }
      expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
      expect((await api('GET', '/admin/v1/keys?limit=0')).status).toBe(400);
      expect((await api('GET', '/admin/v1/keys?limit=101')).status).toBe(400);
    });

    it('admin API – lists a tenant’s keys and nothing of another tenant', async () => {
      const mine = await createKey({ tenantId: 'initech' });
      const theirs = await createKey({ tenantId: 'globex' });

      const list = await api('GET', '/admin/v1/tenants/initech/keys?limit=100');
      const ids = (list.body.data as Array<{ id: string; tenantId: string }>).map((k) => k.id);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(theirs.id);
      expect((list.body.data as Array<{ tenantId: string }>).every((k) => k.tenantId === 'initech')).toBe(true);

      const filtered = await api('GET', '/admin/v1/keys?tenantId=globex&limit=100');
      expect((filtered.body.data as Array<{ tenantId: string }>).every((k) => k.tenantId === 'globex')).toBe(true);
      expect((await api('GET', '/admin/v1/tenants/nobody/keys')).status).toBe(404);
    });

    it('admin API – updates a key, announces it, and the principal shows the change', async () => {
      const { id, secret } = await createKey({ tenantId: 'globex', labels: { team: 'a' } });
      events.length = 0;

      const reply = await api('PATCH', `/admin/v1/keys/${id}`, {
        body: { role: 'finance', allowedModels: ['gpt-*'], ipAllowlist: ['198.51.100.0/24'], labels: null, limits: { rpm: 7 } },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ role: 'finance', allowedModels: ['gpt-*'], ipAllowlist: ['198.51.100.0/24'], labels: {}, limits: { rpm: 7 } });

      const event = await eventFor((e) => e.keyIds.includes(id));
      expect(event).toMatchObject({ reason: 'updated', tenantId: 'globex', keyHashes: [hashKey(secret)] });
      const { principal } = await verify(secret);
      expect(principal).toMatchObject({ role: 'finance', allowedModels: ['gpt-*'], ipAllowlist: ['198.51.100.0/24'], limits: { rpm: 7 } });
      expect(principal.labels).toBeUndefined();

      const cleared = await api('PATCH', `/admin/v1/keys/${id}`, { body: { allowedModels: null, ipAllowlist: null } });
      expect(cleared.body).toMatchObject({ allowedModels: null, ipAllowlist: null });
    });

    it('admin API – refuses to change what the config file owns of a seed key, but allows the rest', async () => {
      const role = await api('PATCH', '/admin/v1/keys/key_app', { body: { role: 'admin' } });
      expect(role.status).toBe(400);
      expect(role.body.error).toMatchObject({ param: 'role', message: expect.stringMatching(/config file/) });
      const labels = await api('PATCH', '/admin/v1/keys/key_app', { body: { labels: { owner: 'platform' } } });
      expect(labels.status).toBe(200);
      expect(labels.body).toMatchObject({ seeded: true, role: 'client', labels: { owner: 'platform' }, limits: { rpm: 100 } });
    });

    it('admin API – revokes a key: every secret of it gets 401 saying so, and the revocation is announced', async () => {
      const { id, secret } = await createKey({ tenantId: 'initech' });
      await verify(secret);

      const reply = await api('POST', `/admin/v1/keys/${id}/revoke`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
      await expect(verify(secret)).rejects.toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(/revoked/) });
      expect(await eventFor((e) => e.reason === 'revoked' && e.keyIds.includes(id))).toMatchObject({ tenantId: 'initech', keyHashes: [hashKey(secret)] });

      const rotate = await api('POST', `/admin/v1/keys/${id}/rotate`, { body: {} });
      expect(rotate.status).toBe(400);
    });

    it('admin API – rotates a key: the old secret works through its grace period, then gets 401', async () => {
      const { id, secret: oldSecret } = await createKey({ tenantId: 'globex' });
      const before = Date.now();

      const reply = await api('POST', `/admin/v1/keys/${id}/rotate`, { body: { gracePeriodS: 1 } });
      expect(reply.status).toBe(200);
      const newSecret = reply.body.secret as string;
      seen.push(newSecret);
      expect(newSecret).not.toBe(oldSecret);
      expect(reply.body).toMatchObject({ id, prefix: `sk-aigw...${newSecret.slice(-4)}`, rotatedAt: expect.any(String) });
      const validUntil = Date.parse(reply.body.previousSecretValidUntil as string);
      expect(validUntil).toBeGreaterThanOrEqual(before + 1000);
      expect(await eventFor((e) => e.reason === 'rotated' && e.keyIds.includes(id))).toMatchObject({ keyHashes: [hashKey(oldSecret)] });

      // In the grace period both secrets work; the old one carries the end of its grace as its expiry.
      const during = await verify(oldSecret);
      expect(during.principal).toMatchObject({ keyId: id, expiresAt: validUntil });
      expect((await verify(newSecret)).principal).toMatchObject({ keyId: id });
      expect((await verify(newSecret)).principal.expiresAt).toBeUndefined();

      await sleep(validUntil - Date.now() + 50);
      await expect(verify(oldSecret)).rejects.toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(/rotated/) });
      expect((await verify(newSecret)).principal).toMatchObject({ keyId: id });
    });

    it('admin API – rotating with no grace period stops the old secret at once', async () => {
      const { id, secret: oldSecret } = await createKey({ tenantId: 'globex' });
      const reply = await api('POST', `/admin/v1/keys/${id}/rotate`, { body: { gracePeriodS: 0 } });
      seen.push(reply.body.secret as string);
      expect(reply.body.previousSecretValidUntil).toBeNull();
      await expect(verify(oldSecret)).rejects.toMatchObject({ code: 'invalid_api_key' });
      expect((await verify(reply.body.secret as string)).principal.keyId).toBe(id);
    });

    it('admin API – a key past its expiry gets 401 and shows as expired', async () => {
      const expiresAt = new Date(Date.now() + 600).toISOString();
      const { id, secret } = await createKey({ tenantId: 'globex', expiresAt });
      expect((await verify(secret)).principal.expiresAt).toBe(Date.parse(expiresAt));

      await sleep(Date.parse(expiresAt) - Date.now() + 50);
      await expect(verify(secret)).rejects.toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(/expired/) });
      expect((await api('GET', `/admin/v1/keys/${id}`)).body.status).toBe('expired');

      // Moving the expiry to the future brings it back.
      await api('PATCH', `/admin/v1/keys/${id}`, { body: { expiresAt: null } });
      expect((await verify(secret)).principal.keyId).toBe(id);
    });
  });

  describe('tenants', () => {
    it('admin API – creates, lists, reads and updates tenants; keys carry the tenant’s tier, limits and addresses', async () => {
      await createTenant({ tenantId: 'umbrella', name: 'Umbrella', tier: 'free', limits: { rpd: 1000 } });
      const { secret } = await createKey({ tenantId: 'umbrella' });
      expect((await verify(secret)).principal).toMatchObject({ tier: 'free', tenantLimits: { rpd: 1000 } });
      events.length = 0;

      const updated = await api('PATCH', '/admin/v1/tenants/umbrella', { body: { tier: 'pro', ipAllowlist: ['192.0.2.0/24'], limits: { rpd: 5000 } } });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ object: 'gateway.tenant', id: 'umbrella', name: 'Umbrella', tier: 'pro', ipAllowlist: ['192.0.2.0/24'] });
      expect(await eventFor((e) => e.reason === 'tenant-updated')).toMatchObject({ tenantId: 'umbrella', keyIds: [], keyHashes: [] });
      expect((await verify(secret)).principal).toMatchObject({ tier: 'pro', tenantLimits: { rpd: 5000 }, tenantIpAllowlist: ['192.0.2.0/24'] });

      const list = await api('GET', '/admin/v1/tenants?limit=100');
      expect((list.body.data as Array<{ id: string }>).map((t) => t.id)).toEqual(expect.arrayContaining(['ops', 'acme', 'umbrella']));
      expect((await api('GET', '/admin/v1/tenants/umbrella')).body).toMatchObject({ tier: 'pro' });
      expect((await api('PATCH', '/admin/v1/tenants/umbrella', { body: { tier: null } })).body.tier).toBeNull();
    });

    it('admin API – refuses a tier the quota config does not define, and a tenant id that is taken', async () => {
      const tier = await api('POST', '/admin/v1/tenants', { body: { tenantId: 'hooli', tier: 'platinum' } });
      expect(tier.status).toBe(400);
      expect(tier.body.error).toMatchObject({ param: 'tier', message: expect.stringMatching(/'free', 'pro'/) });
      const taken = await api('POST', '/admin/v1/tenants', { body: { tenantId: 'acme' } });
      expect(taken.status).toBe(400);
      expect(taken.body.error!.param).toBe('tenantId');
      expect((await api('PATCH', '/admin/v1/tenants/nobody', { body: { name: 'x' } })).status).toBe(404);
    });

    it('admin API – lists the tier presets of the quota config', async () => {
      const reply = await api('GET', '/admin/v1/tiers');
      expect(reply.body).toMatchObject({ object: 'list', data: [{ id: 'free', rpm: 10 }, { id: 'pro', rpm: 1000 }] });
    });

    it('get-tenant – answers a tenant over NATS, and not_found for an unknown one', async () => {
      await createTenant({ tenantId: 'wonka', tier: 'free', limits: { rpm: 5 }, ipAllowlist: ['2001:db8::/48'] });
      await expect(bus.request(GetTenant, { tenantId: 'wonka' })).resolves.toEqual({
        tenant: { tenantId: 'wonka', name: 'wonka', tier: 'free', limits: { rpm: 5 }, ipAllowlist: ['2001:db8::/48'] },
      });
      await expect(bus.request(GetTenant, { tenantId: 'nobody' })).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('client addresses and failed authentication', () => {
    it('admin API – ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const { secret } = await createKey({ tenantId: 'ops', role: 'admin', ipAllowlist: ['198.51.100.0/24'] });
      const forged = await api('GET', '/admin/v1/tiers', { key: secret, headers: { 'x-forwarded-for': '198.51.100.7' } });
      expect(forged.status).toBe(403);
      expect(forged.body.error!.message).toMatch(/127\.0\.0\.1/);

      const proxied = await api('GET', '/admin/v1/tiers', { key: secret, via: behindProxy, headers: { 'x-forwarded-for': '198.51.100.7' } });
      expect(proxied.status).toBe(200);
      const spoofedLeft = await api('GET', '/admin/v1/tiers', { key: secret, via: behindProxy, headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.1' } });
      expect(spoofedLeft.status).toBe(403);
    });

    it('failed authentication – an address gets 429 after 20 failures in a minute; a valid key is still served from it', async () => {
      const attacker = '203.0.113.66';
      for (let i = 0; i < 20; i++) {
        await expect(verify(seedSecret(), attacker)).rejects.toMatchObject({ code: 'invalid_api_key' });
      }
      await expect(verify(seedSecret(), attacker)).rejects.toMatchObject({ code: 'rate_limit_exceeded', details: { retryAfterS: expect.any(Number) } });
      await expect(verify(secrets.APP_KEY, attacker)).resolves.toMatchObject({ principal: { keyId: 'key_app' } });
      await expect(verify(secrets.APP_KEY, '203.0.113.67')).resolves.toMatchObject({ principal: { keyId: 'key_app' } });
    });

    it('failed authentication – counts an IPv6 client’s whole /64 and failures the edge reports itself', async () => {
      for (let i = 0; i < 10; i++) await expect(verify(seedSecret(), `2001:db8:5:5::${i + 1}`)).rejects.toMatchObject({ code: 'invalid_api_key' });
      for (let i = 0; i < 9; i++) await expect(bus.request(RecordAuthFailure, { clientIp: '2001:db8:5:5::99' })).resolves.toEqual({ blocked: false });
      await expect(bus.request(RecordAuthFailure, { clientIp: '2001:db8:5:5:ffff::1' })).resolves.toEqual({ blocked: false });
      await expect(bus.request(RecordAuthFailure, { clientIp: '2001:db8:5:5::100' })).resolves.toEqual({ blocked: true, retryAfterS: expect.any(Number) });
      await expect(verify(seedSecret(), '2001:db8:5:5::1234')).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
      await expect(verify(secrets.APP_KEY, '2001:db8:5:5::1234')).resolves.toMatchObject({ principal: { keyId: 'key_app' } });
      await expect(verify(seedSecret(), '2001:db8:5:6::1')).rejects.toMatchObject({ code: 'invalid_api_key' });
    });

    it('failed authentication – admin logins are limited per client address too, with retry-after; the admin key still works', async () => {
      const headers = { 'x-forwarded-for': '192.0.2.200' };
      for (let i = 0; i < 20; i++) expect((await api('GET', '/admin/v1/keys', { key: seedSecret(), via: behindProxy, headers })).status).toBe(401);
      const refused = await api('GET', '/admin/v1/keys', { key: seedSecret(), via: behindProxy, headers });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
      expect((await api('GET', '/admin/v1/keys', { via: behindProxy, headers })).status).toBe(200);
      expect((await api('GET', '/admin/v1/keys', { via: behindProxy, headers: { 'x-forwarded-for': '192.0.2.201' } })).status).toBe(200);
    });
  });

  describe('seed keys across restarts', () => {
    const seedOnly = (secret: string): Partial<AuthServiceOptions> => ({
      keys: [{ id: 'key_seeded', tenant: 'acme', role: 'client', secretEnv: 'SEEDED_KEY' }],
      secrets: { SEEDED_KEY: secret },
    });

    it('seed – a seed key revoked through the admin API stays revoked after a restart; a new config secret replaces it', async () => {
      const first = seedSecret();
      seen.push(first);
      await stop(await start(seedOnly(first)));
      expect((await api('POST', '/admin/v1/keys/key_seeded/revoke')).status).toBe(200);

      await stop(await start(seedOnly(first)));
      await expect(verify(first)).rejects.toMatchObject({ message: expect.stringMatching(/revoked/) });

      const second = seedSecret();
      seen.push(second);
      events.length = 0;
      await stop(await start(seedOnly(second)));
      expect((await verify(second)).principal.keyId).toBe('key_seeded');
      await expect(verify(first)).rejects.toMatchObject({ code: 'invalid_api_key' });
      expect(await eventFor((e) => e.keyIds.includes('key_seeded'))).toMatchObject({ reason: 'rotated', keyHashes: [hashKey(first)] });
    });

    it('seed – a rotation through the admin API survives a restart', async () => {
      const configured = seedSecret();
      seen.push(configured);
      await stop(await start(seedOnly(configured)));
      const rotated = await api('POST', '/admin/v1/keys/key_seeded/rotate', { body: { gracePeriodS: 0 } });
      seen.push(rotated.body.secret as string);

      await stop(await start(seedOnly(configured)));
      expect((await verify(rotated.body.secret as string)).principal.keyId).toBe('key_seeded');
      await expect(verify(configured)).rejects.toMatchObject({ code: 'invalid_api_key' });
    });
  });

  describe('secrets', () => {
    it('admin API – never logs or stores a secret, and logs who changed what', async () => {
      const stored: string[] = [];
      for (const key of await redis.keys('aigw:*')) {
        stored.push(key);
        const type = await redis.type(key);
        if (type === 'hash') stored.push(...Object.values(await redis.hgetall(key)));
        else if (type === 'set') stored.push(...(await redis.smembers(key)));
        else if (type === 'zset') stored.push(...(await redis.zrange(key, 0, -1)));
        else stored.push((await redis.get(key)) ?? '');
      }
      const logs = logLines.join('\n');
      expect(seen.length).toBeGreaterThan(10);
      for (const secret of seen) {
        expect(logs).not.toContain(secret.slice(8));
        expect(stored.join('\n')).not.toContain(secret.slice(8));
      }
      const changes = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'admin change');
      expect(changes).toEqual(expect.arrayContaining([expect.objectContaining({ adminKeyId: 'key_root', action: 'revoke-key' })]));
    });
  });
});
