/**
 * Four maximum-size hostile bodies at once, shape after shape, against a stack of its own: what each one
 * is answered, how long the proxy's `/healthz` takes meanwhile (asked every 5 ms from a thread of its own),
 * and the proxy's RSS before, at its peak and once it settled. The bounds it checks for every hostile
 * shape: every answer a 4xx, `/healthz` p99 under 100 ms, RSS back under idle + 100 MB. A legitimate prompt
 * of the same size is reported beside them for comparison, held to no bound: it is parsed, routed and
 * sent upstream like any request.
 *
 *   node --import tsx bench/src/hostile-bodies.ts [--size-mib 32] [--at-once 4] [--rounds 3]
 *
 * Prints one JSON report; exits 1 when a hostile shape misses a bound.
 */
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startBenchStack } from './bench-stack';
import { rssMb } from './procstat';
import { percentile, sortedCopy } from './stats';

const { values } = parseArgs({
  options: { 'size-mib': { type: 'string', default: '32' }, 'at-once': { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' } },
});
const size = Number(values['size-mib']) * 1024 * 1024 - 1024;
const atOnce = Number(values['at-once']);
const rounds = Number(values.rounds);

/** `head` + `unit` repeated to fill the size + `tail`: each a body the proxy accepts by size. */
function fill(head: string, unit: string, tail: string): Buffer {
  const n = Math.floor((size - head.length - tail.length) / unit.length);
  return Buffer.from(head + unit.repeat(n) + tail);
}

const SHAPES: Record<string, () => Buffer> = {
  'empty arrays': () => fill('{"model":"bench-model","messages":[', '[],', '[]]}'),
  'nested arrays': () => fill('{"model":"bench-model","messages":', '[', ''),
  'small objects': () => fill('{"model":"bench-model","messages":[', '{"a":1},', '{}]}'),
  numbers: () => fill('{"model":"bench-model","input":[', '1,', '1]}'),
  'short strings': () => fill('{"model":"bench-model","input":[', '"a",', '"a"]}'),
  'deep objects': () => fill('{"model":"bench-model","metadata":', '{"a":', ''),
  'not JSON': () => fill('{"model":', '\u0000', ''),
};

/** The same size as a real request: one long prompt, which is served. */
const LEGITIMATE = { 'one long prompt (served)': () => fill('{"model":"bench-model","messages":[{"role":"user","content":"', 'a', '"}],"max_tokens":1}') };

async function main(): Promise<void> {
  const stack = await startBenchStack({ model: 'bench-model' });
  const proxyPid = stack.gatewayPids.proxy!;
  const report: Record<string, unknown> = { sizeMiB: Number(values['size-mib']), atOnce, shapes: {} };
  let failed = false;
  try {
    // Warm: a few ordinary requests, then the idle RSS the bound is taken against.
    for (let i = 0; i < 20; i++) await post(stack, Buffer.from('{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}'));
    await settle();
    const idleMb = rssMb(proxyPid);
    report.idleRssMb = idleMb;
    for (const [name, make] of Object.entries({ ...SHAPES, ...LEGITIMATE })) {
      const hostile = Object.hasOwn(SHAPES, name);
      const body = make();
      // Probed from a thread of its own: this thread is busy sending the bodies, which would delay the probes here.
      const prober = probeHealth(`${stack.gateway}/healthz`);
      let peakMb = rssMb(proxyPid);
      const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(proxyPid))), 50);
      const started = performance.now();
      const statuses: number[] = [];
      for (let round = 0; round < rounds; round++) statuses.push(...(await Promise.all(Array.from({ length: atOnce }, () => post(stack, body)))));
      const elapsedMs = (performance.now() - started) / rounds;
      const probes = await prober.stop();
      clearInterval(sampler);
      await settle();
      const afterMb = rssMb(proxyPid);
      const healthzP99 = percentile(sortedCopy(probes), 99);
      const ok = statuses.every((s) => s >= 400 && s < 500) && healthzP99 < 100 && afterMb < idleMb + 100;
      if (hostile) failed ||= !ok;
      (report.shapes as Record<string, unknown>)[name] = {
        statuses: [...new Set(statuses)],
        msPerRound: Math.round(elapsedMs),
        healthzProbes: probes.length,
        healthzP99Ms: Math.round(healthzP99 * 10) / 10,
        healthzMaxMs: Math.round(Math.max(...probes) * 10) / 10,
        peakRssMb: Math.round(peakMb),
        rssAfterMb: Math.round(afterMb),
        ...(hostile ? { ok } : {}),
      };
    }
  } finally {
    await stack.close();
  }
  console.log(JSON.stringify(report, null, 2));
  process.exit(failed ? 1 : 0);
}

/** `/healthz` asked every 5 ms from a worker thread until `stop()`, which returns each answer's time in ms. */
function probeHealth(url: string): { stop(): Promise<number[]> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     let probing = true;
     const probes = [];
     parentPort.on('message', () => { probing = false; });
     (async () => {
       while (probing) {
         const started = performance.now();
         await fetch(workerData.url).then((r) => r.arrayBuffer());
         probes.push(performance.now() - started);
         await new Promise((r) => setTimeout(r, 5));
       }
       parentPort.postMessage(probes);
     })();`,
    { eval: true, workerData: { url } },
  );
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', (probes: number[]) => {
          void worker.terminate();
          resolve(probes);
        });
        worker.postMessage('stop');
      }),
  };
}

async function post(stack: { gateway: string; key: string }, body: Buffer): Promise<number> {
  const res = await fetch(`${stack.gateway}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Lets collections run and the allocator give memory back before RSS is read. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 3_000));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
