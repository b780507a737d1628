import { connect } from 'node:net';
import { freePort } from './free-port';
import { startNatsServer, startRedisServer } from './infra';

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('testing infra – servers of a test’s own', () => {
  it('freePort gives a port nothing listens on', async () => {
    expect(await accepts(await freePort())).toBe(false);
  });

  it('starts nats-server, stops it hard and restarts it on the same port', async () => {
    const nats = await startNatsServer();
    try {
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect(await accepts(nats.port)).toBe(true);
      await nats.stop(true);
      expect(await accepts(nats.port)).toBe(false);
      await nats.restart();
      expect(await accepts(nats.port)).toBe(true);
    } finally {
      await nats.cleanup();
    }
  });

  it('starts redis-server and cleans it up', async () => {
    const redis = await startRedisServer();
    expect(await accepts(redis.port)).toBe(true);
    await redis.cleanup();
    expect(await accepts(redis.port)).toBe(false);
  });
});
