import { connect, errors as natsErrors, headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { decodeJson, encodeJson } from '../src/codec';
import { ReplyInbox } from '../src/reply-inbox';

let nats: TestServer;
let responder: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  responder = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  // Echoes the request; `delayMs` in it holds the answer back.
  responder.subscribe('echo', {
    callback: (_err, msg) => {
      const { delayMs = 0 } = decodeJson(msg.data) as { delayMs?: number };
      setTimeout(() => msg.respond(msg.data), delayMs);
    },
  });
  responder.subscribe('silent', { callback: () => undefined });
  await responder.flush();
});

afterAll(async () => {
  await responder.close();
  await nats.cleanup();
});

function requester(): Promise<NatsConnection> {
  return connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
}

const body = (reply: Msg) => decodeJson(reply.data);

async function reconnected(nc: NatsConnection): Promise<void> {
  for await (const s of nc.status()) if (s.type === 'reconnect') return;
}

describe('reply inbox', () => {
  let nc: NatsConnection;
  let inbox: ReplyInbox;

  beforeEach(async () => {
    nc = await requester();
    inbox = new ReplyInbox(nc);
  });

  afterEach(() => nc.close());

  it('reply inbox – answers each of many requests in flight with its own reply', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => inbox.request('echo', encodeJson({ i, delayMs: 50 - i }), { timeout: 1000 }).then(body)),
    );
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => ({ i, delayMs: 50 - i })));
  });

  it('reply inbox – carries the request headers to the responder', async () => {
    const seen = new Promise<string | undefined>((resolve) =>
      responder.subscribe('headers', {
        max: 1,
        callback: (_err, msg) => {
          resolve(msg.headers?.get('traceparent'));
          msg.respond(msg.data);
        },
      }),
    );
    await responder.flush();
    const headers = natsHeaders();
    headers.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    await inbox.request('headers', encodeJson({}), { timeout: 1000, headers });
    await expect(seen).resolves.toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('reply inbox – fails at once with NoRespondersError when nothing subscribes to the subject', async () => {
    const started = Date.now();
    const err = await inbox.request('nobody.home', encodeJson({}), { timeout: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(natsErrors.NoRespondersError);
    expect(err).toMatchObject({ subject: 'nobody.home' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reply inbox – fails with TimeoutError at the deadline, drops the late reply, and keeps answering', async () => {
    const started = Date.now();
    const err = await inbox.request('echo', encodeJson({ delayMs: 300 }), { timeout: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(natsErrors.TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    await new Promise((r) => setTimeout(r, 300));
    await expect(inbox.request('echo', encodeJson({ after: 'late reply' }), { timeout: 1000 }).then(body)).resolves.toEqual({ after: 'late reply' });
  });

  it('reply inbox – fails what is pending when the connection closes, without waiting for the deadline', async () => {
    const pending = inbox.request('silent', encodeJson({}), { timeout: 10_000 }).catch((e: unknown) => e);
    await nc.flush();
    const started = Date.now();
    await nc.close();
    expect(await pending).toBeInstanceOf(natsErrors.ClosedConnectionError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reply inbox – refuses a request on a closed or draining connection', async () => {
    const draining = nc.drain();
    await expect(inbox.request('echo', encodeJson({}), { timeout: 1000 })).rejects.toBeInstanceOf(natsErrors.DrainingConnectionError);
    await draining;
    await expect(inbox.request('echo', encodeJson({}), { timeout: 1000 })).rejects.toBeInstanceOf(natsErrors.ClosedConnectionError);
  });

  it('reply inbox – still gets replies after the NATS server restarts', async () => {
    await expect(inbox.request('echo', encodeJson({ before: true }), { timeout: 1000 }).then(body)).resolves.toEqual({ before: true });
    const back = Promise.all([reconnected(nc), reconnected(responder)]);
    await nats.stop();
    await nats.restart();
    await back;
    // The responder's subscription is in place once the server has answered what it sent before this ping.
    await responder.flush();
    await expect(inbox.request('echo', encodeJson({ after: true }), { timeout: 1000 }).then(body)).resolves.toEqual({ after: true });
  });
});
