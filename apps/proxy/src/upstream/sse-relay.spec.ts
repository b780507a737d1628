import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { adapterFor, type TokenUsage } from '@aigw/providers';
import { relaySse, type RelayEnd } from './sse-relay';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A real HTTP server whose one response is a relay of `upstream`, and a client response to read it from. */
async function relayOverHttp(upstream: PassThrough, first: Buffer, usageAdded = true, beforeEnd?: () => Promise<void> | void) {
  const usage: TokenUsage[] = [];
  let relayed!: Promise<RelayEnd>;
  const server: Server = createServer((_req, res) => {
    relayed = relaySse(
      res,
      { body: upstream, first, adapter: adapterFor('openai').chat, usageAdded },
      {
        onFirstByte: () => undefined,
        ...(beforeEnd ? { beforeEnd } : {}),
        onUsage: (u) => usage.push(u),
        onBroken: () => undefined,
        describeFailure: () => ({ message: 'upstream broke', timeout: false }),
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await new Promise<IncomingMessage>((resolve) => request({ port, host: '127.0.0.1' }, resolve).end());
  const close = () => new Promise((resolve) => server.close(resolve));
  return { response, usage, relayed: () => relayed, close };
}

async function readAll(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += String(chunk);
  return text;
}

describe('relaySse', () => {
  it('sse relay – holds the final event until beforeEnd settles, even for a stream that arrived whole with its first chunk', async () => {
    const upstream = new PassThrough();
    const order: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // As the proxy's is: called again, it answers with the same wait.
    const beforeEnd = () => {
      order.push('beforeEnd');
      return released;
    };
    upstream.end();
    const { response, relayed, close } = await relayOverHttp(upstream, Buffer.from('data: {"n":1}\n\ndata: [DONE]\n\n'), true, beforeEnd);
    let text = '';
    response.on('data', (chunk: Buffer) => {
      text += String(chunk);
      order.push(`data ${JSON.stringify(String(chunk))}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The chunk that holds the final event waits whole.
    expect(text).toBe('');
    release();
    await new Promise<void>((resolve) => response.on('end', resolve));
    expect(await relayed()).toBe('complete');
    expect(text).toBe('data: {"n":1}\n\ndata: [DONE]\n\n');
    expect(order[0]).toBe('beforeEnd');
    await close();
  });

  it('sse relay – ends a same-format stream that lacks its final event with an in-band error, not the broken bytes', async () => {
    const upstream = new PassThrough();
    const { response, relayed, close } = await relayOverHttp(upstream, Buffer.from('data: {"n":1}\n\n'));
    upstream.end('data: {"n":2, "cut');
    const text = await readAll(response);
    expect(await relayed()).toBe('upstream_failed');
    expect(text).toBe('data: {"n":1}\n\ndata: {"error":{"message":"upstream broke","type":"server_error","param":null,"code":"upstream_error"}}\n\n');
    await close();
  });

  it('sse relay – pauses the upstream while the client does not read, and resumes when it drains', async () => {
    const upstream = new PassThrough();
    const { response, relayed, close } = await relayOverHttp(upstream, Buffer.from('data: {"n":0}\n\n'));
    response.pause();
    const event = `data: {"pad":"${'x'.repeat(64 * 1024)}"}\n\n`;
    let sent = 0;
    while (upstream.readableFlowing !== false && sent < 500) {
      upstream.write(event);
      sent += 1;
      await tick();
    }
    expect(upstream.readableFlowing).toBe(false);
    upstream.end('data: [DONE]\n\n');
    const text = await readAll(response);
    expect(await relayed()).toBe('complete');
    expect(text).toBe(`data: {"n":0}\n\n${event.repeat(sent)}data: [DONE]\n\n`);
    await close();
  });

  it('sse relay – drops the usage-only event the gateway asked for, and reports its usage', async () => {
    const upstream = new PassThrough();
    const { response, usage, relayed, close } = await relayOverHttp(upstream, Buffer.from('data: {"choices":[{"delta":{"content":"a"}}],"usage":null}\n\n'));
    upstream.end('data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}\n\ndata: [DONE]\n\n');
    expect(await readAll(response)).toBe('data: {"choices":[{"delta":{"content":"a"}}],"usage":null}\n\ndata: [DONE]\n\n');
    expect(await relayed()).toBe('complete');
    expect(usage).toEqual([{ promptTokens: 4, completionTokens: 1, cachedTokens: 0 }]);
    await close();
  });

  it('sse relay – keeps usage that rides on a chunk with choices', async () => {
    const upstream = new PassThrough();
    const last = 'data: {"choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1}}\n\n';
    const { response, usage, close } = await relayOverHttp(upstream, Buffer.from(last));
    upstream.end('data: [DONE]\n\n');
    expect(await readAll(response)).toBe(`${last}data: [DONE]\n\n`);
    expect(usage).toHaveLength(1);
    await close();
  });

  it('sse relay – ends a broken stream with an in-band error event, holding back the partial event', async () => {
    const upstream = new PassThrough();
    const { response, relayed, close } = await relayOverHttp(upstream, Buffer.from('data: {"n":0}\n\ndata: {"n"'));
    upstream.destroy(new Error('socket hang up'));
    expect(await readAll(response)).toBe(
      'data: {"n":0}\n\ndata: {"error":{"message":"upstream broke","type":"server_error","param":null,"code":"upstream_error"}}\n\n',
    );
    expect(await relayed()).toBe('upstream_failed');
    await close();
  });

  it('sse relay – ends the response when the upstream ended with its first chunk', async () => {
    const upstream = new PassThrough();
    upstream.end();
    upstream.resume();
    await new Promise((resolve) => upstream.once('end', resolve));
    const { response, relayed, close } = await relayOverHttp(upstream, Buffer.from('data: {"n":0}\n\ndata: [DONE]\n\n'));
    expect(await readAll(response)).toBe('data: {"n":0}\n\ndata: [DONE]\n\n');
    expect(await relayed()).toBe('complete');
    await close();
  });

  it('sse relay – settles as client_gone when the client leaves', async () => {
    const upstream = new PassThrough();
    const { response, relayed, close } = await relayOverHttp(upstream, Buffer.from('data: {"n":0}\n\n'));
    response.destroy();
    expect(await relayed()).toBe('client_gone');
    upstream.destroy();
    await close();
  });
});
