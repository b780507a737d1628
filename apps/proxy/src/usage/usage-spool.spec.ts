import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { UsageRecorded } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { createSpoolMetrics, UsageSpool } from './usage-spool';

const silent = createLogger('spool-test', 'silent');

const event = (id: string): UsageRecorded => ({
  v: 1,
  id,
  ts: '2025-01-10T12:00:00.000Z',
  tenantId: 't',
  keyId: 'k',
  model: 'm',
  servedModel: 'm',
  provider: 'p',
  deploymentId: 'd',
  operation: 'chat.completions',
  stream: true,
  status: 200,
  incomplete: false,
  promptTokens: 1,
  completionTokens: 2,
  cachedTokens: 0,
  usageSource: 'upstream',
  latencyMs: 1,
  ttftMs: 1,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aigw-spool-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function openSpool(maxBytes = 1024 * 1024) {
  const registry = new Registry();
  const spool = await UsageSpool.open({ dir, maxBytes }, silent, createSpoolMetrics(registry));
  return { spool, registry };
}

async function gauge(registry: Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
}

describe('usage spool', () => {
  it('usage spool – replays every appended event once, oldest first, then holds nothing', async () => {
    const { spool, registry } = await openSpool();
    const accepted = await Promise.all(['a', 'b', 'c'].map((id) => spool.append(event(id))));
    expect(accepted).toEqual([true, true, true]);
    expect(await gauge(registry, 'aigw_proxy_usage_spool_events')).toBe(3);
    expect(await gauge(registry, 'aigw_proxy_usage_spool_bytes')).toBeGreaterThan(0);

    const published: string[] = [];
    await spool.replay(async (e) => {
      published.push(e.id);
    });
    expect(published.sort()).toEqual(['a', 'b', 'c']);
    expect([spool.events, spool.bytes]).toEqual([0, 0]);
    expect(await gauge(registry, 'aigw_proxy_usage_spool_events')).toBe(0);
    await spool.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('usage spool – keeps a segment whose replay failed half-way, and replays all of it later', async () => {
    const { spool } = await openSpool();
    for (const id of ['a', 'b']) await spool.append(event(id));
    await expect(
      spool.replay(async (e) => {
        if (e.id === 'b') throw new Error('no JetStream');
      }),
    ).rejects.toThrow('no JetStream');
    expect(spool.events).toBe(2);
    const published: string[] = [];
    await spool.replay(async (e) => {
      published.push(e.id);
    });
    expect(published.sort()).toEqual(['a', 'b']);
    await spool.close();
  });

  it('usage spool – takes up what a previous process left, skipping a line its crash cut short', async () => {
    const first = await openSpool();
    await first.spool.append(event('before-crash'));
    await first.spool.close();
    const [segment] = readdirSync(dir);
    appendFileSync(join(dir, segment!), '{"v":1,"id":"torn');

    const second = await openSpool();
    const published: string[] = [];
    await second.spool.replay(async (e) => {
      published.push(e.id);
    });
    expect(published).toEqual(['before-crash']);
    await second.spool.close();
  });

  it('usage spool – refuses events past its size bound and counts them as dropped', async () => {
    const oneEvent = Buffer.byteLength(`${JSON.stringify(event('x'))}\n`);
    const { spool, registry } = await openSpool(oneEvent * 2);
    const results = await Promise.all(['x', 'y', 'z'].map((id) => spool.append(event(id))));
    expect(results).toEqual([true, true, false]);
    expect(await gauge(registry, 'aigw_proxy_usage_spool_dropped_total')).toBe(1);
    await spool.close();
  });

  it('usage spool – keeps accepting events while a replay waits on JetStream, and loses or repeats none', async () => {
    const { spool } = await openSpool();
    await spool.append(event('old'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const published: string[] = [];
    const replay = spool.replay(async (e) => {
      await gate;
      published.push(e.id);
    });
    expect(await spool.append(event('new'))).toBe(true);
    release();
    await replay;
    await spool.replay(async (e) => {
      published.push(e.id);
    });
    expect(published.sort()).toEqual(['new', 'old']);
    expect(spool.events).toBe(0);
    await spool.close();
  });

  it('usage spool – ignores files that are not its segments', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const { spool } = await openSpool();
    expect(spool.events).toBe(0);
    await spool.close();
  });
});
