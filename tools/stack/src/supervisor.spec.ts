import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ServiceName, ServiceProcess } from './services';
import { superviseServices, type Supervised, type SupervisorOptions } from './supervisor';

/**
 * A stack of `sleep` processes standing in for services: `failStarts` makes that many restarts fail first,
 * `startMs` is how long a restart takes to get ready.
 */
function sleepers({ failStarts = 0, startMs = 0 } = {}) {
  const services = new Map<ServiceName, ServiceProcess>();
  const start = async (name: ServiceName) => {
    const child = spawn('sleep', ['60']);
    await once(child, 'spawn');
    services.set(name, {
      name,
      port: 0,
      child,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
        if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      },
    });
  };
  let failuresLeft = failStarts;
  const restarts: number[] = [];
  const stack: Supervised = {
    services,
    async restart(name) {
      restarts.push(Date.now());
      await new Promise((r) => setTimeout(r, startMs));
      if (failuresLeft-- > 0) throw new Error(`${name} was not ready`);
      await start(name);
    },
  };
  return { stack, restarts, start, stopAll: () => Promise.all([...services.values()].map((s) => s.stop())) };
}

const events = () => {
  const seen: string[] = [];
  const opts: SupervisorOptions = {
    onExit: (name, reason, ms) => seen.push(`${name} exited (${reason}), restart in ${ms}`),
    onRestarted: (name) => seen.push(`${name} restarted`),
    onRestartFailed: (name, err) => seen.push(`${name} failed: ${(err as Error).message}`),
  };
  return { seen, opts };
};

const until = async (check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('superviseServices – a service that dies is started again, as a container runtime would', () => {
  it('restarts a killed service at once, leaves the others alone, and reports both steps', async () => {
    const s = sleepers();
    await s.start('quota');
    await s.start('router');
    const { seen, opts } = events();
    const supervisor = superviseServices(s.stack, opts);
    const killed = s.stack.services.get('quota')!.child;
    const router = s.stack.services.get('router')!.child;

    killed.kill('SIGKILL');
    await until(() => seen.length === 2);

    expect(seen).toEqual(['quota exited (SIGKILL), restart in 0', 'quota restarted']);
    expect(s.stack.services.get('quota')!.child.pid).not.toBe(killed.pid);
    expect(s.stack.services.get('router')!.child).toBe(router);
    await supervisor.stop();
    await s.stopAll();
  });

  it('keeps watching a restarted service: a second kill restarts it again', async () => {
    const s = sleepers();
    await s.start('auth');
    const { seen, opts } = events();
    const supervisor = superviseServices(s.stack, { ...opts, stableMs: 0 });

    s.stack.services.get('auth')!.child.kill('SIGKILL');
    await until(() => seen.includes('auth restarted'));
    s.stack.services.get('auth')!.child.kill('SIGTERM');
    await until(() => seen.length === 4);

    expect(seen).toEqual(['auth exited (SIGKILL), restart in 0', 'auth restarted', 'auth exited (SIGTERM), restart in 0', 'auth restarted']);
    await supervisor.stop();
    await s.stopAll();
  });

  it('waits longer each time a service fails to come back, so a crash loop does not spin', async () => {
    const s = sleepers({ failStarts: 3 });
    await s.start('metering');
    const { seen, opts } = events();
    const supervisor = superviseServices(s.stack, { ...opts, firstDelayMs: 40, maxDelayMs: 100 });

    s.stack.services.get('metering')!.child.kill('SIGKILL');
    await until(() => seen.includes('metering restarted'));

    expect(seen).toEqual([
      'metering exited (SIGKILL), restart in 0',
      'metering failed: metering was not ready',
      'metering exited (failed to start), restart in 40',
      'metering failed: metering was not ready',
      'metering exited (failed to start), restart in 80',
      'metering failed: metering was not ready',
      'metering exited (failed to start), restart in 100',
      'metering restarted',
    ]);
    const gaps = s.restarts.slice(1).map((t, i) => t - s.restarts[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(95);
    await supervisor.stop();
    await s.stopAll();
  });

  it('treats a service that dies soon after it started as crashing on start-up', async () => {
    const s = sleepers();
    await s.start('router');
    const { seen, opts } = events();
    const supervisor = superviseServices(s.stack, { ...opts, stableMs: 60_000, firstDelayMs: 30 });

    s.stack.services.get('router')!.child.kill('SIGKILL');
    await until(() => seen.includes('router restarted'));
    s.stack.services.get('router')!.child.kill('SIGKILL');
    await until(() => seen.length === 4);

    expect(seen.slice(2)).toEqual(['router exited (SIGKILL), restart in 30', 'router restarted']);
    await supervisor.stop();
    await s.stopAll();
  });

  it('restarts nothing once stopped, and lets a restart under way finish so that its process can be stopped', async () => {
    const s = sleepers({ startMs: 200 });
    await s.start('proxy');
    await s.start('quota');
    const { seen, opts } = events();
    const supervisor = superviseServices(s.stack, opts);
    const killed = s.stack.services.get('proxy')!.child;

    killed.kill('SIGKILL');
    await until(() => s.restarts.length === 1);
    await supervisor.stop();
    const quota = s.stack.services.get('quota')!.child;
    quota.kill('SIGKILL');
    await once(quota, 'exit');
    await new Promise((r) => setTimeout(r, 50));

    expect(seen).toEqual(['proxy exited (SIGKILL), restart in 0']);
    expect(s.restarts).toHaveLength(1);
    const proxy = s.stack.services.get('proxy')!.child;
    expect(proxy).not.toBe(killed);
    expect(proxy.exitCode === null && proxy.signalCode === null).toBe(true);
    await s.stopAll();
  });
});
