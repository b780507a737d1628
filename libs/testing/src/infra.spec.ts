import { connect } from 'node:net';
import { freePort, freePorts } from './free-port';
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

  it('freePorts gives every name a port of its own, nothing listening on any', async () => {
    const ports = Object.values(await freePorts(Array.from({ length: 50 }, (_, i) => `P${i}`)));
    expect(new Set(ports).size).toBe(50);
    expect(await Promise.all(ports.slice(0, 5).map(accepts))).toEqual([false, false, false, false, false]);
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
