import { connect, type Socket } from 'node:net';
import type { OpenAIErrorBody } from '@aigw/contracts';
import type { ProxyHandle } from '../src/proxy-server';
import { keys, startHarness, type Harness } from './harness';

/**
 * What a hostile client can do to the proxy's HTTP edge, and what it gets: bodies whose structure would
 * cost far more than their size, requests that arrive too slowly or with headers too large, bodies left
 * unsent after an early refusal. Every answer is a 4xx in OpenAI's shape, and the proxy keeps serving.
 */
let h: Harness;
/** A proxy with short deadlines, so that slow requests are refused within the test. */
let strict: ProxyHandle;
const DEADLINES = { requestTimeoutMs: 1_000, headersTimeoutMs: 800, keepAliveMs: 5_000 };

beforeAll(async () => {
  h = await startHarness();
  strict = await h.startAnotherProxy({ deadlines: DEADLINES, maxBodyBytes: 8 * 1024 * 1024 });
});
afterAll(async () => {
  await h.close();
});

const portOf = (proxy: ProxyHandle) => Number(new URL(proxy.url).port);

function post(body: string | Buffer, headers: Record<string, string> = {}, proxy: ProxyHandle = h.proxy) {
  return fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.good}`, 'content-type': 'application/json', ...headers },
    body,
  });
}

/** A raw connection: what was received, and when it closed. */
function rawConnection(proxy: ProxyHandle): { socket: Socket; received: () => string; closed: Promise<number> } {
  const started = performance.now();
  const socket = connect(portOf(proxy), '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - started)));
  return { socket, received: () => received, closed };
}

const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as OpenAIErrorBody;

describe('proxy – bodies whose structure would cost more than their size', () => {
  it.each([
    ['deep nesting', `{"model":"gpt-test","messages":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, /nests arrays and objects deeper than 64 levels/],
    ['a million empty arrays', `{"model":"gpt-test","messages":[${'[],'.repeat(1_000_000)}[]]}`, /more than 100,000 arrays and objects/],
    ['two million numbers', `{"model":"gpt-test","input":[${'1,'.repeat(2_000_000)}1]}`, /more than 1,000,000 values/],
  ])('proxy – refuses %s with 400 naming the limit, before parsing', async (_name, body, words) => {
    const res = await post(body, {}, strict);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as OpenAIErrorBody;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
    expect(error.message).toMatch(words);
  });

  it('proxy – refuses a body with a control character outside strings as invalid JSON', async () => {
    const res = await post('{"model":\u0000"gpt-test"}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as OpenAIErrorBody).error).toMatchObject({ code: 'invalid_json', message: expect.stringMatching(/control character \(0x00\) at byte 9/) });
  });

  it('proxy – still serves a real conversation right after', async () => {
    await expect(h.client().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Hi' }] })).resolves.toBeDefined();
  });
});

describe('proxy – connections', () => {
  it('proxy – answers a request whose body does not arrive within the deadline 408 in OpenAI’s shape, and closes it', async () => {
    const { socket, received, closed } = rawConnection(strict);
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${keys.good}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"mo`);
    const closedAfterMs = await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received()).toMatch(/\r\nx-content-type-options: nosniff\r\n/);
    expect(bodyOf(received()).error).toMatchObject({ code: 'request_timeout', type: 'invalid_request_error' });
    expect(closedAfterMs).toBeLessThan(DEADLINES.requestTimeoutMs + 3_000);
  });

  it('proxy – answers headers too large 431 with a JSON body, where Node sends an empty one', async () => {
    const { socket, received, closed } = rawConnection(h.proxy);
    socket.write(`GET /v1/models HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(received()).error).toMatchObject({ code: 'headers_too_large' });
  });

  it('proxy – answers an HTTP/1.1 request without Host 400 with a JSON body, where Node sends an empty one', async () => {
    const { socket, received } = rawConnection(h.proxy);
    socket.write('GET /v1/models HTTP/1.1\r\n\r\n');
    await new Promise<void>((resolve) => {
      const check = () => (received().includes('}}') ? resolve() : setTimeout(check, 10));
      check();
    });
    socket.destroy();
    expect(received()).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(received()).error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/no Host header/) });
  });

  it('proxy – answers malformed HTTP 400 with a JSON body', async () => {
    const { socket, received, closed } = rawConnection(h.proxy);
    socket.write('BREW /pot HTCPCP/1.0\r\n\r\n');
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(received()).error).toMatchObject({ code: 'invalid_request' });
  });

  it('proxy – after refusing a key before its body, cuts a client that stops sending within seconds, not a keep-alive minute', async () => {
    const { socket, received, closed } = rawConnection(h.proxy);
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sk-aigw-wrong\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n');
    socket.write(Buffer.alloc(100_000, 'a'));
    const closedAfterMs = await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(closedAfterMs).toBeLessThan(10_000);
  });

  it('proxy – after refusing a key before its body, keeps the connection of a client that sends it all', async () => {
    const { socket, received } = rawConnection(h.proxy);
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sk-aigw-wrong\r\ncontent-type: application/json\r\ncontent-length: 200000\r\n\r\n');
    socket.write(Buffer.alloc(200_000, 'a'));
    socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise<void>((resolve) => {
      const check = () => (received().includes('{"status":"ok"}') ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(received()).toMatch(/^HTTP\/1\.1 401 .*HTTP\/1\.1 200 OK/s);
    socket.destroy();
  });
});

describe('proxy – answers are not for browsers to sniff, frame or cache', () => {
  it.each([
    ['an answer', () => post(JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'Hi' }] }))],
    ['an error', () => post('{', {})],
    ['an unknown path', () => fetch(`${h.proxy.url}/nowhere`)],
  ])('proxy – %s carries nosniff, DENY, a default-src none policy and no-store', async (_name, call) => {
    const res = await call();
    await res.arrayBuffer();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('proxy – a stream keeps no-cache, as event streams need', async () => {
    const res = await post(JSON.stringify({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'Hi' }] }));
    await res.arrayBuffer();
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
