import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { measureCpu, peakRssMb, pidListeningOn, rssMb } from './procstat';

/** Burns `ms` of this process's own CPU time, however long other processes keep it waiting for a core. */
function spin(ms: number): Promise<void> {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return Promise.resolve();
  }
}

describe('measureCpu – what a process used while a function ran', () => {
  it('counts the CPU time a busy process burns, with its write syscalls and run-queue wait', async () => {
    const { used } = await measureCpu({ self: process.pid }, () => spin(200));
    // /proc counts in 10 ms ticks.
    expect(used.self!.cpuMs).toBeGreaterThanOrEqual(150);
    expect(used.self!.writes).toBeGreaterThanOrEqual(0);
    expect(used.self!.runQueueWaitMs).toBeGreaterThanOrEqual(0);
    expect(used.self!.runQueueWaitMs).toBeLessThan(10_000);
  });

  // Another process: this one's V8 threads (GC, compilation) may still be busy after the spin above.
  it('counts nothing for a process that slept', async () => {
    const sleeper = spawn('sleep', ['5']);
    await once(sleeper, 'spawn');
    try {
      const { used } = await measureCpu({ sleeper: sleeper.pid! }, () => new Promise((r) => setTimeout(r, 200)));
      expect(used.sleeper!.cpuMs).toBeLessThanOrEqual(10);
    } finally {
      sleeper.kill();
    }
  });
});

describe('resident memory of a process', () => {
  it('reads the RSS now and the peak so far, the one never above the other', () => {
    const now = rssMb(process.pid);
    expect(now).toBeGreaterThan(10);
    expect(peakRssMb(process.pid)).toBeGreaterThanOrEqual(now);
  });
});

describe('pidListeningOn – which process serves a port', () => {
  let server: Server;
  beforeAll(() => new Promise<void>((resolve) => (server = createServer().listen(0, '127.0.0.1', resolve))));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('finds the process listening, and none on a port nothing listens on', async () => {
    const { port } = server.address() as { port: number };
    expect(pidListeningOn(port)).toBe(process.pid);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freed = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(pidListeningOn(freed)).toBeUndefined();
  });
});
