import { measureCpu } from './procstat';

function spin(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return Promise.resolve();
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

  it('counts nothing for a process that slept', async () => {
    const { used } = await measureCpu({ self: process.pid }, () => new Promise((r) => setTimeout(r, 200)));
    expect(used.self!.cpuMs).toBeLessThan(100);
  });
});
