import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import OpenAI from 'openai';
import { DEFAULT_CONFIG, startGateway, type GatewayUnderTest } from './gateway-stack';

const JWT_SECRET = randomBytes(48).toString('base64url');
const CONFIG = `${DEFAULT_CONFIG}
auth:
  failedAuth: { limit: 20, windowS: 60 }
  jwtIssuers:
    ci:
      issuer: https://ci.example
      audience: aigw
      algorithms: [HS256]
      secretEnv: E2E_JWT_SECRET
      claims: { tenant: org }
`;

let gw: GatewayUnderTest;
/** Every credential this suite handled: none may reach a log. */
const credentials: string[] = [JWT_SECRET];

beforeAll(async () => {
  gw = await startGateway({ config: CONFIG, env: { E2E_JWT_SECRET: JWT_SECRET } });
  credentials.push(...Object.values(gw.keys));
}, 120_000);

afterAll(async () => {
  await gw?.close();
});

async function admin(method: string, path: string, body?: unknown, key: string | null = gw.keys.admin) {
  const res = await fetch(`${gw.stack.urls.authAdmin}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const reply = await admin('POST', '/keys', body);
  expect(reply.status).toBe(201);
  credentials.push(reply.body.secret as string);
  return { id: reply.body.id as string, secret: reply.body.secret as string };
}

const sdk = (apiKey: string, headers: Record<string, string> = {}) =>
  new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey, maxRetries: 0, defaultHeaders: headers });
const ask = (client: OpenAI, model = 'gpt-4o-mini') => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('gateway – tenants, keys and the admin API', () => {
  it('an admin creates a tenant and a key; the openai SDK uses the key at once, only for its models', async () => {
    expect((await admin('POST', '/tenants', { tenantId: 'initech', name: 'Initech' })).status).toBe(201);
    const { secret } = await createKey({ tenantId: 'initech', allowedModels: ['gpt-4o-*'], labels: { team: 'tps' } });

    const client = sdk(secret);
    expect((await ask(client)).choices).toHaveLength(1);
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['gpt-4o-mini']);
  });

  it('refuses the admin API without a key (401) and with a client key (403)', async () => {
    expect((await admin('GET', '/keys', undefined, null)).status).toBe(401);
    const reply = await admin('GET', '/keys', undefined, gw.keys.client);
    expect(reply.status).toBe(403);
    expect(reply.body.error!.code).toBe('permission_denied');
  });

  it('a revoked key is refused by the gateway within a second', async () => {
    const { id, secret } = await createKey({ tenantId: 'acme' });
    const client = sdk(secret);
    await ask(client);
    const revokedAt = Date.now();
    expect((await admin('POST', `/keys/${id}/revoke`)).status).toBe(200);
    for (;;) {
      const outcome = await client.models.list().then(
        () => 'ok',
        (err: unknown) => err,
      );
      if (outcome instanceof OpenAI.AuthenticationError) break;
      expect(outcome).toBe('ok');
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
    }
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });

  it('a revoked finance key is refused by the metering API within a second, although it cached the key', async () => {
    const { id, secret } = await createKey({ tenantId: 'acme', role: 'finance' });
    const usage = () => fetch(`${gw.stack.urls.metering}/usage`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);
    expect(await usage()).toBe(200);
    const revokedAt = Date.now();
    expect((await admin('POST', `/keys/${id}/revoke`)).status).toBe(200);
    while ((await usage()) === 200) expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(await usage()).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });

  it('takes the key from x-api-key and x-goog-api-key as Anthropic and Gemini clients send it', async () => {
    for (const header of ['x-api-key', 'x-goog-api-key']) {
      const res = await fetch(`${gw.stack.urls.gateway}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [header]: gw.keys.client },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
    }
  });

  it('ignores a forged X-Forwarded-For: the allowlist sees the socket address', async () => {
    const { secret: local } = await createKey({ tenantId: 'acme', ipAllowlist: ['127.0.0.1/32', '::1/128'] });
    const { secret: remote } = await createKey({ tenantId: 'acme', ipAllowlist: ['203.0.113.0/24'] });
    const forged = { 'x-forwarded-for': '203.0.113.5' };
    expect((await ask(sdk(local, forged))).choices).toHaveLength(1);
    await expect(ask(sdk(remote, forged))).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('accepts a JWT from a configured issuer and meters its calls under the token’s subject', async () => {
    const jwt = await new SignJWT({ org: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://ci.example')
      .setAudience('aigw')
      .setSubject('pipeline-7')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    credentials.push(jwt);
    const res = await ask(sdk(jwt));
    expect(res.choices).toHaveLength(1);

    const deadline = Date.now() + 10_000;
    let requests = 0;
    while (requests === 0 && Date.now() < deadline) {
      const usage = await fetch(`${gw.stack.urls.metering}/usage?key=${encodeURIComponent('jwt:ci:pipeline-7')}`, {
        headers: { authorization: `Bearer ${gw.keys.admin}` },
      });
      expect(usage.status).toBe(200);
      const rows = ((await usage.json()) as { data: Array<{ requests: number | string }> }).data;
      requests = rows.reduce((n, r) => n + Number(r.requests), 0);
      if (requests === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(requests).toBe(1);

    await expect(ask(sdk(`${jwt.slice(0, -4)}AAAA`))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('never writes a key, a JWT or an Authorization header to any service log', async () => {
    const logDir = join(gw.stack.dataDir, 'logs');
    const logs = readdirSync(logDir)
      .map((f) => readFileSync(join(logDir, f), 'utf8'))
      .join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(credentials.length).toBeGreaterThan(8);
    for (const credential of credentials) expect(logs).not.toContain(credential.slice(-24));
    expect(logs).not.toMatch(/bearer\s+[\w-]{8}/i);
  });
});
