import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Subjects } from '@aigw/contracts';
import { startGateway, type GatewayUnderTest } from './gateway-stack';

/**
 * Hostile text everywhere a client or a peer on the bus can put it, against the whole stack as processes:
 * every HTTP route of the proxy, the metering API and the admin API, and every NATS endpoint. Whatever the
 * text, an answer comes back, a 4xx in the caller's format (or a 2xx where the text is harmless), never
 * a 5xx, and every service is still running and ready afterwards.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const CASES = Number(process.env.FUZZ_CASES ?? 40);

/** The pieces hostile strings are made of: line breaks, controls, separators, broken UTF-16, escapes, markup. */
const FRAGMENTS = [
  '\r\n', '\r', '\n', '\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029', '\ud800', '\udfff', '\ufeff',
  '%0d%0a', '%00', '"', "'", '\\', '{', '}', '[', '$', '*', '..', '/', ':', ' ', '\t', 'a', 'é', '🤖', '<script>', 'gpt-4o-mini',
];
/** Always tried, whatever the seed: the inputs that crashed services before. */
const FIXED = ['x\r\ny', 'a\r\nb', '', 'tenant\u0000', 'lone\ud800', 'x'.repeat(10_000), '\u2028'];

/** mulberry32: a small seeded generator, so that a failing case can be replayed with FUZZ_SEED. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hostileStrings(): string[] {
  const random = generator(SEED);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const generated = Array.from({ length: CASES }, () => {
    const kind = random();
    if (kind < 0.1) return 'y'.repeat(1 + Math.floor(random() * 5_000)) + pick(FRAGMENTS);
    return Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(FRAGMENTS)).join('');
  });
  return [...FIXED, ...generated];
}
const STRINGS = hostileStrings();

let gw: GatewayUnderTest;
let nc: NatsConnection;

beforeAll(async () => {
  gw = await startGateway();
  nc = await connect({ servers: gw.natsUrl });
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await gw?.close();
});

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Sends a request with fetch, or, where fetch refuses a header value (CR, LF, NUL, beyond Latin-1), byte
 * for byte over a socket of its own (UTF-8), as a hostile client would.
 */
async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const refusal = `${(err as Error).message} ${((err as Error).cause as Error | undefined)?.message ?? ''}`;
    if ((err as Error).name === 'TypeError' && /header|ByteString/i.test(refusal)) return rawCall(url, init);
    throw err;
  }
  return { status: res.status, body: parsed(await res.text()) };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One HTTP/1.1 request written as it is, header bytes included; the answer's status and body. */
function rawCall(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  const { hostname, port, pathname, search } = new URL(url);
  const body = Buffer.from(init.body ?? '');
  const head = Object.entries({ ...init.headers, host: hostname, 'content-length': String(body.length), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(firstResponse(Buffer.concat(chunks).toString('utf8'))));
    socket.write(Buffer.concat([Buffer.from(`${init.method ?? 'GET'} ${pathname}${search} HTTP/1.1\r\n${head}\r\n`, 'utf8'), body]));
  });
}

/** The first response of what a connection received (a line break in a header can make a client's request two). */
function firstResponse(text: string): Answer {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const headEnd = text.indexOf('\r\n\r\n');
  const head = text.slice(0, headEnd).toLowerCase();
  let rest = text.slice(headEnd + 4);
  const length = /\r\ncontent-length: (\d+)/.exec(head)?.[1];
  if (length !== undefined) {
    rest = rest.slice(0, Number(length));
  } else if (/\r\ntransfer-encoding: chunked/.test(head)) {
    let body = '';
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, lineEnd), 16);
      if (!size) break;
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
      rest = rest.slice(lineEnd + 2 + size + 2);
    }
    rest = body;
  }
  return { status, body: parsed(rest) };
}

/** Percent-encodes every UTF-16 code unit, a lone surrogate as the (invalid) UTF-8 bytes it would take. */
function percentEncode(text: string): string {
  let out = '';
  for (const ch of text) {
    const unit = ch.charCodeAt(0);
    if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xed, 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

/** A 4xx in OpenAI's error shape, or Anthropic's on its routes; a 2xx where the input was harmless; never a 5xx. */
function expectClientAnswer(answer: Answer, what: string, anthropic = false): void {
  const context = `${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  expect({ context, serverError: answer.status >= 500 }).toEqual({ context, serverError: false });
  if (answer.status < 400) return;
  const body = answer.body as { type?: string; error?: { message?: unknown; type?: unknown } };
  const shaped = anthropic ? body.type === 'error' && typeof body.error?.message === 'string' : typeof body.error?.message === 'string' && typeof body.error?.type === 'string';
  expect({ context, shaped }).toEqual({ context, shaped: true });
}

const json = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra });

describe('hostile clients – every HTTP route', () => {
  it('hostile clients – the proxy answers every route and parameter with a 4xx in the client’s format', async () => {
    const gateway = gw.stack.urls.gateway;
    const anthropic = { 'anthropic-version': '2023-06-01' };
    for (const s of STRINGS) {
      const messages = [{ role: 'user', content: 'hi' }];
      expectClientAnswer(await call(`${gateway}/chat/completions`, { method: 'POST', headers: json(gw.keys.client), body: JSON.stringify({ model: s, messages }) }), `chat model ${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${gateway}/embeddings`, { method: 'POST', headers: json(gw.keys.client), body: JSON.stringify({ model: s, input: s }) }), `embeddings ${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${gateway}/responses`, { method: 'POST', headers: json(gw.keys.client), body: JSON.stringify({ model: s, input: 'hi' }) }), `responses ${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${gateway}/responses/input_tokens`, { method: 'POST', headers: json(gw.keys.client), body: JSON.stringify({ model: s, input: 'hi' }) }), `input_tokens ${JSON.stringify(s)}`);
      expectClientAnswer(
        await call(`${gateway}/messages`, { method: 'POST', headers: json(gw.keys.client, anthropic), body: JSON.stringify({ model: s, max_tokens: 8, messages }) }),
        `messages ${JSON.stringify(s)}`,
        true,
      );
      expectClientAnswer(
        await call(`${gateway}/messages/count_tokens`, { method: 'POST', headers: json(gw.keys.client, anthropic), body: JSON.stringify({ model: s, messages }) }),
        `count_tokens ${JSON.stringify(s)}`,
        true,
      );
      expectClientAnswer(await call(`${gateway}/models/${percentEncode(s)}`, { headers: json(gw.keys.client) }), `models/${JSON.stringify(s)}`);
      // Client text in the headers the proxy reads, where fetch lets it through.
      const routed = JSON.stringify({ model: 'gpt-4o-mini', messages });
      expectClientAnswer(await call(`${gateway}/chat/completions`, { method: 'POST', headers: json(gw.keys.client, { 'x-aigw-route-tags': `region=${s}` }), body: routed }), `route tags ${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${gateway}/chat/completions`, { method: 'POST', headers: json(gw.keys.client, { 'x-aigw-route-class': s }), body: routed }), `route class ${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${gateway}/chat/completions`, { method: 'POST', headers: json(s), body: routed }), `key ${JSON.stringify(s)}`);
    }
  });

  it('hostile clients – the metering API answers every parameter with a 4xx', async () => {
    const metering = gw.stack.urls.metering;
    for (const s of STRINGS) {
      const q = percentEncode(s);
      expectClientAnswer(await call(`${metering}/spend?tenant=${q}`, { headers: json(gw.keys.admin) }), `spend tenant ${JSON.stringify(s)}`);
      for (const param of ['tenant', 'key', 'model', 'cursor', 'from', 'group_by']) {
        expectClientAnswer(await call(`${metering}/usage?${param}=${q}`, { headers: json(gw.keys.admin) }), `usage ${param} ${JSON.stringify(s)}`);
      }
      expectClientAnswer(await call(`${metering}/usage/export.csv?tenant=${q}&from=2025-01-01&to=2025-01-02`, { headers: json(gw.keys.admin) }), `export ${JSON.stringify(s)}`);
    }
  });

  it('hostile clients – the admin API answers every path and field with a 4xx', async () => {
    const admin = gw.stack.urls.authAdmin;
    for (const s of STRINGS) {
      const p = percentEncode(s);
      expectClientAnswer(await call(`${admin}/keys/${p}`, { headers: json(gw.keys.admin) }), `keys/${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${admin}/tenants/${p}`, { headers: json(gw.keys.admin) }), `tenants/${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${admin}/tenants/${p}/keys`, { headers: json(gw.keys.admin) }), `tenants/${JSON.stringify(s)}/keys`);
      expectClientAnswer(await call(`${admin}/keys?tenantId=${p}`, { headers: json(gw.keys.admin) }), `keys?tenantId=${JSON.stringify(s)}`);
      expectClientAnswer(await call(`${admin}/tenants`, { method: 'POST', headers: json(gw.keys.admin), body: JSON.stringify({ tenantId: s, name: s }) }), `create tenant ${JSON.stringify(s)}`);
      expectClientAnswer(
        await call(`${admin}/keys`, { method: 'POST', headers: json(gw.keys.admin), body: JSON.stringify({ tenantId: 'acme', name: s, labels: { team: s }, allowedModels: [s] }) }),
        `create key ${JSON.stringify(s)}`,
      );
    }
  });
});

describe('hostile clients – every NATS endpoint', () => {
  const endpoints = [Subjects.authVerifyKey, Subjects.authGetTenant, Subjects.authRecordFailure, Subjects.quotaAdmit, Subjects.quotaRenew, Subjects.quotaRelease, Subjects.routerRoute, Subjects.routerListModels];

  /** Every string field of a plausible request set to `s`. */
  const payloadsFor = (s: string): unknown[] => [
    { keyHash: s, clientIp: s, keyPrefix: s },
    { tenantId: s },
    { clientIp: s },
    { requestId: s, keyId: s, tenantId: s, model: s, tier: s, limits: {}, promptTokens: 1, maxTokens: 1 },
    { requestIds: [s] },
    { requestId: s, usageFollows: false },
    { model: s, requestId: s, features: { sample: s, tags: { [s || 'k']: s } } },
    {},
  ];

  it('hostile clients – every endpoint answers every hostile payload (an error reply of the 400 kind or a reply), and keeps answering', async () => {
    for (const subject of endpoints) {
      const raw = [new TextEncoder().encode('\u0000not json\r\n'), new Uint8Array(512 * 1024).fill(0x7b)];
      const bodies = [...raw, ...STRINGS.flatMap((s) => payloadsFor(s).map((p) => new TextEncoder().encode(JSON.stringify(p))))];
      for (const data of bodies) {
        const reply = await nc.request(subject, data, { timeout: 5_000 });
        const code = reply.headers?.get('Nats-Service-Error-Code');
        const context = `${subject} ${new TextDecoder().decode(data).slice(0, 120)} → ${code ?? 'ok'} ${reply.string().slice(0, 200)}`;
        expect({ context, internal: code !== undefined && code !== '' && code !== '400' }).toEqual({ context, internal: false });
      }
    }
  });
});

describe('hostile clients – every NATS event a service listens to', () => {
  it('hostile clients – hostile broadcasts (keys changed, attempt reports) are dropped, not fatal', async () => {
    for (const subject of [Subjects.authKeysChanged, Subjects.routerAttemptsReported]) {
      for (const s of STRINGS) {
        for (const payload of [
          { reason: s, keyIds: [s], keyHashes: [s], tenantId: s, at: 1 },
          { v: 1, started: [{ requestId: s, attempt: 1, deploymentId: s, at: 1 }], finished: [{ requestId: s, attempt: 1, deploymentId: s, outcome: s, latencyMs: 1 }] },
        ]) {
          nc.publish(subject, new TextEncoder().encode(JSON.stringify(payload)));
        }
        nc.publish(subject, new TextEncoder().encode(`\u0000${s}`));
      }
    }
    await nc.flush();
    // Gives the services a moment to take them all in.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
});

describe('hostile clients – afterwards', () => {
  it('hostile clients – every service still runs and is ready, and the gateway still serves', async () => {
    for (const [name, service] of gw.stack.services) {
      expect({ name, exitCode: service.child.exitCode, signal: service.child.signalCode }).toEqual({ name, exitCode: null, signal: null });
      const ready = await fetch(`http://127.0.0.1:${service.port}/readyz`);
      expect({ name, status: ready.status }).toEqual({ name, status: 200 });
    }
    const res = await fetch(`${gw.stack.urls.gateway}/chat/completions`, {
      method: 'POST',
      headers: json(gw.keys.client),
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still there?' }] }),
    });
    expect(res.status).toBe(200);
  });

  it('hostile clients – only the proxy listens beyond loopback by default: metering, the admin API and ops ports stay on 127.0.0.1', () => {
    const listening = listeningAddresses();
    const ports = {
      proxy: gw.stack.services.get('proxy')!.port,
      metering: gw.stack.services.get('metering')!.port,
      'auth ops': gw.stack.services.get('auth')!.port,
      'quota ops': gw.stack.services.get('quota')!.port,
      'router ops': gw.stack.services.get('router')!.port,
      'auth admin': Number(new URL(gw.stack.urls.authAdmin).port),
    };
    expect(Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, listening.get(port)]))).toEqual({
      proxy: '0.0.0.0',
      metering: '127.0.0.1',
      'auth ops': '127.0.0.1',
      'quota ops': '127.0.0.1',
      'router ops': '127.0.0.1',
      'auth admin': '127.0.0.1',
    });
  });
});

/** Listening TCP sockets of this machine by port, from /proc/net/tcp (IPv4; the services bind IPv4 addresses). */
function listeningAddresses(): Map<number, string> {
  const found = new Map<number, string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== '0A' || !local) continue;
    const [hex, portHex] = local.split(':') as [string, string];
    const address = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    found.set(parseInt(portHex, 16), address);
  }
  return found;
}
