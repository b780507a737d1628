import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { ensureNats, hostPort, isReachable } from './infra';

describe('stack infra – reaching NATS and Redis', () => {
  it('reads host and port from URLs, with the service default port', () => {
    expect(hostPort('nats://10.0.0.5:4333', 4222)).toEqual({ host: '10.0.0.5', port: 4333 });
    expect(hostPort('redis://cache', 6379)).toEqual({ host: 'cache', port: 6379 });
    expect(hostPort('127.0.0.1:4222', 1)).toEqual({ host: '127.0.0.1', port: 4222 });
  });

  it('tells a listening port from a closed one', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    expect(await isReachable('127.0.0.1', port)).toBe(true);
    await new Promise((r) => server.close(r));
    expect(await isReachable('127.0.0.1', port)).toBe(false);
  });
});

describe('stack infra – a missing binary', () => {
  it('stops with one line saying what to install or to use docker compose', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(ensureNats(`nats://127.0.0.1:${port}`, tmpdir())).rejects.toThrow(
        /^NATS is not reachable at nats:\/\/127\.0\.0\.1:\d+ and 'nats-server' is not on PATH: install it \(apt-get install nats-server\) or run 'docker compose up' instead\.$/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
