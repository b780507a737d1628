import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusClient } from '@aigw/bus';
import type { GatewayConfig } from '@aigw/config';
import { hashKey, keyPrefix, VerifyKey } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { startAuthService, type AuthService } from '../src/auth-service';

const newSecret = () => `sk-aigw-${randomBytes(24).toString('hex')}`;

/** Collects the service's log lines so that tests can assert on them. */
function logSink() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line), entries: () => lines.map((l) => JSON.parse(l)) };
}

const KEYS: GatewayConfig['keys'] = [
  { id: 'key_admin', tenant: 'acme', role: 'admin', secretEnv: 'TEST_ADMIN_KEY' },
  { id: 'key_finance', tenant: 'globex', role: 'finance', secretEnv: 'TEST_FINANCE_KEY', rpm: 60 },
  { id: 'key_unset', tenant: 'acme', role: 'client', secretEnv: 'TEST_UNSET_KEY' },
];

async function readyStatus(svc: AuthService): Promise<number> {
  return (await fetch(`http://127.0.0.1:${svc.opsPort}/readyz`)).status;
}

/** Verifications this replica answered, from its own `/metrics`. */
async function verificationCount(svc: AuthService): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${svc.opsPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('aigw_auth_verifications_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('auth service', () => {
  let nats: TestServer;
  let redisServer: TestServer;
  let nc: NatsConnection;
  let bus: BusClient;
  let redis: Redis;
  const sink = logSink();
  const secrets = { TEST_ADMIN_KEY: newSecret(), TEST_FINANCE_KEY: newSecret() };
  const open: AuthService[] = [];

  const start = async (keys = KEYS, env: Record<string, string> = secrets, logs = sink) => {
    const svc = await startAuthService({
      natsUrl: nats.url,
      redisUrl: redisServer.url,
      opsPort: 0,
      adminPort: 0,
      keys,
      secrets: env,
      auth: { trustedProxies: [], failedAuth: { limit: 20, windowS: 60 } },
      tiers: {},
      logger: createLogger('auth', 'info', logs),
    });
    open.push(svc);
    return svc;
  };
  const stop = async (svc: AuthService) => {
    open.splice(open.indexOf(svc), 1);
    await svc.close();
  };
  const verify = (secret: string) => bus.request(VerifyKey, { keyHash: hashKey(secret) });

  let main: AuthService;

  beforeAll(async () => {
    [nats, redisServer] = await Promise.all([startNatsServer(), startRedisServer()]);
    nc = await connect({ servers: nats.url });
    bus = new BusClient(nc, { timeoutMs: 2000 });
    redis = new Redis(redisServer.url, { lazyConnect: true });
    await redis.connect();
    main = await start();
  });

  afterAll(async () => {
    await Promise.all(open.map((svc) => svc.close()));
    redis.disconnect();
    await nc?.close();
    await Promise.all([nats?.cleanup(), redisServer?.cleanup()]);
  });

  it('auth – answers a known key with its principal', async () => {
    await expect(verify(secrets.TEST_ADMIN_KEY)).resolves.toEqual({
      principal: { keyId: 'key_admin', tenantId: 'acme', role: 'admin', keyPrefix: keyPrefix(secrets.TEST_ADMIN_KEY), limits: {}, tenantLimits: {} },
    });
    await expect(verify(secrets.TEST_FINANCE_KEY)).resolves.toEqual({
      principal: {
        keyId: 'key_finance',
        tenantId: 'globex',
        role: 'finance',
        keyPrefix: keyPrefix(secrets.TEST_FINANCE_KEY),
        limits: { rpm: 60 },
        tenantLimits: {},
      },
    });
  });

  it('auth – refuses an unknown key with invalid_api_key', async () => {
    await expect(verify(newSecret())).rejects.toMatchObject({ code: 'invalid_api_key' });
  });

  it('auth – refuses a malformed key hash as a broken contract (the sender’s bug)', async () => {
    await expect(bus.request(VerifyKey, { keyHash: 'not-a-hash' })).rejects.toMatchObject({ code: 'contract_violation' });
  });

  it('auth – skips a key whose secret variable is unset with one warning naming the variable', async () => {
    const warnings = sink.entries().filter((e) => e.level === 'warn' && JSON.stringify(e).includes('TEST_UNSET_KEY'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ keyId: 'key_unset', secretEnv: 'TEST_UNSET_KEY' });
    expect(await redis.exists('aigw:keyid:key_unset')).toBe(0);
  });

  it('auth – never stores or logs a plain secret', async () => {
    const stored: string[] = [];
    for (const key of await redis.keys('aigw:*')) {
      stored.push(key);
      const type = await redis.type(key);
      if (type === 'hash') stored.push(...Object.values(await redis.hgetall(key)));
      else if (type === 'set') stored.push(...(await redis.smembers(key)));
      else if (type === 'zset') stored.push(...(await redis.zrange(key, 0, -1)));
      else stored.push((await redis.get(key)) ?? '');
    }
    expect(stored).toContain(`aigw:key:${hashKey(secrets.TEST_ADMIN_KEY)}`);
    const everything = stored.join('\n') + sink.lines.join('\n');
    for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret.slice(7, -4));
  });

  it('auth – re-seeding a key with a new secret revokes the old one', async () => {
    const rotating: GatewayConfig['keys'] = [{ id: 'key_rotating', tenant: 'acme', role: 'client', secretEnv: 'TEST_ROTATING_KEY' }];
    const oldSecret = newSecret();
    const replacement = newSecret();

    await stop(await start(rotating, { TEST_ROTATING_KEY: oldSecret }));
    await expect(verify(oldSecret)).resolves.toMatchObject({ principal: { keyId: 'key_rotating' } });

    await stop(await start(rotating, { TEST_ROTATING_KEY: replacement }));
    await expect(verify(oldSecret)).rejects.toMatchObject({ code: 'invalid_api_key' });
    await expect(verify(replacement)).resolves.toMatchObject({ principal: { keyId: 'key_rotating' } });
    expect(await redis.exists(`aigw:key:${hashKey(oldSecret)}`)).toBe(0);
  });

  it('auth – replicas booting at once seed consistently', async () => {
    const rotating: GatewayConfig['keys'] = [{ id: 'key_racing', tenant: 'acme', role: 'client', secretEnv: 'TEST_RACING_KEY' }];
    const candidates = Array.from({ length: 4 }, newSecret);
    const replicas = await Promise.all(candidates.map((s) => start(rotating, { TEST_RACING_KEY: s })));
    await Promise.all(replicas.map(stop));

    const hashes = await redis.keys('aigw:key:*');
    const racing = [];
    for (const key of hashes) if ((await redis.hget(key, 'keyId')) === 'key_racing') racing.push(key);
    expect(racing).toEqual([`aigw:key:${await redis.get('aigw:keyid:key_racing')}`]);
  });

  it('auth – two replicas share the requests through the queue group', async () => {
    const second = await start();
    const before = await Promise.all([verificationCount(main), verificationCount(second)]);

    const replies = await Promise.all(Array.from({ length: 40 }, () => verify(secrets.TEST_ADMIN_KEY)));

    const after = await Promise.all([verificationCount(main), verificationCount(second)]);
    const answered = after.map((n, i) => n - before[i]!);
    expect(replies.every((r) => r.principal.keyId === 'key_admin')).toBe(true);
    expect(answered[0]! + answered[1]!).toBe(40);
    expect(answered[0]).toBeGreaterThan(0);
    expect(answered[1]).toBeGreaterThan(0);
    await stop(second);
  });

  it('auth – answers service_unavailable within a second while Redis hangs', async () => {
    await redis.client('PAUSE', 1500, 'ALL');

    const startedAt = Date.now();
    await expect(verify(secrets.TEST_ADMIN_KEY)).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(Date.now() - startedAt).toBeLessThan(1000);

    await eventually(async () => {
      await expect(verify(secrets.TEST_ADMIN_KEY)).resolves.toMatchObject({ principal: { keyId: 'key_admin' } });
    });
  });

  it('auth – answers service_unavailable within a second while Redis is down, and recovers without restart', async () => {
    expect(await readyStatus(main)).toBe(200);
    await redisServer.stop();

    const startedAt = Date.now();
    await expect(verify(secrets.TEST_ADMIN_KEY)).rejects.toMatchObject({
      code: 'service_unavailable',
      details: { service: 'auth' },
    });
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(await readyStatus(main)).toBe(503);

    // The restarted Redis keeps nothing on disk: recovery includes seeding the keys again.
    await redisServer.restart();
    await eventually(async () => {
      await expect(verify(secrets.TEST_ADMIN_KEY)).resolves.toMatchObject({ principal: { keyId: 'key_admin' } });
    });
    expect(await readyStatus(main)).toBe(200);
    await eventually(async () => void (await redis.ping()));
  });

  it('auth – a shutdown answers the requests already received before it closes', async () => {
    // Holding Redis keeps the lookups in flight while the service is asked to stop.
    await redis.client('PAUSE', 400, 'ALL');
    const pending = Array.from({ length: 20 }, () => verify(secrets.TEST_ADMIN_KEY));
    await new Promise((r) => setTimeout(r, 100));

    await stop(main);

    const replies = await Promise.all(pending);
    expect(replies.every((r) => r.principal.keyId === 'key_admin')).toBe(true);
  });
});
