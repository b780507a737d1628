import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Streams, Subjects } from '@aigw/contracts';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { ensureUsageStream, jetstream, publishEvent } from '../src';

let nats: TestServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc.close();
  await nats.cleanup();
});

describe('bus – usage stream', () => {
  it('is provisioned idempotently, from several replicas at once', async () => {
    await Promise.all([ensureUsageStream(nc), ensureUsageStream(nc), ensureUsageStream(nc)]);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(Streams.usage.name);
    expect(info.config.subjects).toEqual(['usage.v1.>']);
    expect(info.config.storage).toBe('file');
    expect(info.config.duplicate_window).toBe(Streams.usage.duplicateWindowMs * 1_000_000);
  });

  it('takes a changed retention on the next start, with the duplicate window kept within it', async () => {
    await ensureUsageStream(nc, { maxAgeMs: 60_000 });
    const info = await (await jetstreamManager(nc)).streams.info(Streams.usage.name);
    expect(info.config.max_age).toBe(60_000 * 1_000_000);
    expect(info.config.duplicate_window).toBe(60_000 * 1_000_000);
  });

  it('stores an event published twice with the same id once', async () => {
    await ensureUsageStream(nc);
    const js = jetstream(nc);
    const first = await publishEvent(js, Subjects.usageRecorded, { id: 'req_1' }, 'req_1');
    const again = await publishEvent(js, Subjects.usageRecorded, { id: 'req_1' }, 'req_1');
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    const info = await (await jetstreamManager(nc)).streams.info(Streams.usage.name);
    expect(info.state.messages).toBe(1);
  });
});
