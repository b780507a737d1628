import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { startBareProxy, type BareProxy } from './bare-proxy-process';

describe('the bare proxy – one Node hop that only forwards', () => {
  let upstream: Server;
  let proxy: BareProxy;
  /** Lets the upstream's streamed answer finish. */
  let finishStream: () => void = () => undefined;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        finishStream = () => res.end('data: last\n\n');
        return;
      }
      if (req.url === '/broken') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n', () => setTimeout(() => res.destroy(), 50));
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end(JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization, body }));
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    proxy = await startBareProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  }, 30_000);

  afterAll(async () => {
    await proxy?.close();
    upstream.closeAllConnections();
    upstream.close();
  });

  it('forwards the method, path, headers and body, and answers with the upstream\'s status, headers and body', async () => {
    const res = await fetch(`${proxy.origin}/v1/chat/completions?x=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{"model":"m"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(await res.json()).toEqual({ method: 'POST', url: '/v1/chat/completions?x=1', authorization: 'Bearer k', body: '{"model":"m"}' });
  });

  it('passes each streamed chunk on as it comes, not when the answer ends', async () => {
    const res = await fetch(`${proxy.origin}/stream`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    // The upstream holds its answer open until the first chunk has reached the client.
    expect(decoder.decode((await reader.read()).value)).toBe('data: first\n\n');
    finishStream();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decoder.decode(r.value);
    expect(rest).toBe('data: last\n\n');
  });

  it('cuts the client off when the upstream breaks mid-answer, rather than ending the answer as if complete', async () => {
    const res = await fetch(`${proxy.origin}/broken`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('answers 502 when the upstream cannot be reached', async () => {
    const gone = await startBareProxy('http://127.0.0.1:1');
    try {
      const res = await fetch(`${gone.origin}/v1/models`);
      expect(res.status).toBe(502);
    } finally {
      await gone.close();
    }
  });
});

describe('the bare proxy with NATS round trips – the floor of asking quota and the router on every request', () => {
  let upstream: Server;
  let nats: TestServer;
  let watcher: NatsConnection;
  let proxy: BareProxy;
  const asked: string[] = [];

  beforeAll(async () => {
    upstream = createServer((_req, res) => res.end('{"ok":true}'));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    nats = await startNatsServer();
    watcher = await connect({ servers: nats.url });
    watcher.subscribe('bench.echo.>', { callback: (_err, msg) => void asked.push(msg.subject) });
    await watcher.flush();
    proxy = await startBareProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, { natsUrl: nats.url, count: 2 });
  }, 30_000);

  afterAll(async () => {
    await proxy?.close();
    await watcher?.close();
    await nats?.cleanup();
    upstream.closeAllConnections();
    upstream.close();
  });

  it('asks each of its echo services once per request, then forwards it', async () => {
    expect(Object.keys(proxy.pids)).toEqual(['bare', 'echo-1', 'echo-2']);
    const res = await fetch(`${proxy.origin}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(await res.json()).toEqual({ ok: true });
    expect(asked).toHaveLength(2);
    expect(new Set(asked.map((s) => s.split('.').at(-1)))).toEqual(new Set(['1', '2']));
  });

  it('answers 502 when an echo service is gone', async () => {
    process.kill(proxy.pids['echo-2']!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${proxy.origin}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(502);
    await res.arrayBuffer();
  });
});
