import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StackError } from '@aigw/stack';
import { attachBenchStack, startBenchStack, type BenchStack } from './bench-stack';
import { runLoad, type LoadResult, type LoadTarget } from './load';
import { profilesByPid, summarizeProfile } from './cpu-profile';
import { measureCpu, peakRssMb, rssMb } from './procstat';
import { accessLogTimings, logOffset } from './access-log';
import { histogramQuantiles, scrape } from './prometheus';
import { hopBreakdown, SpanSink } from './hops';
import { round2, summarize } from './stats';
import { summaryRows, type ScenarioFigures } from './summary';
import { startBareProxy, type BareProxy } from './bare-proxy-process';

/**
 * `npm run bench`: the mock provider directly (A) and the whole gateway in front of it (B), interleaved
 * A, B, A, B in one run, because this machine is shared and noisy: only ratios and differences from one
 * run mean anything.
 */
const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5', short: 'd' },
    rounds: { type: 'string', default: '3', short: 'r' },
    modes: { type: 'string', default: 'non-stream,stream,non-stream-instant' },
    saturation: { type: 'boolean', default: false },
    /** 1,000 long streams open at once: the proxy's memory while it holds them. */
    hold: { type: 'boolean', default: false },
    /** Write a CPU profile of every service process and report where their time went. */
    profile: { type: 'boolean', default: false },
    /** Extra flags for every service's node, e.g. `--max-semi-space-size=16`: tuning measured in one run. */
    'node-args': { type: 'string', default: '' },
    /** Export every service's spans to the bench and report each hop of a gateway request (tracing costs CPU). */
    hops: { type: 'boolean', default: false },
    /** The upstream's time to first token varies by up to this many ms either way, as a real provider's does. */
    jitter: { type: 'string', default: '0' },
    /** Bench the stack `npm start` runs (`.data/stack.json`) instead of starting one. */
    running: { type: 'boolean', default: false },
    /** The alias requests name, routed to the mock provider: the bench's own stack has `bench-model`, `npm start`'s `gpt-4o-mini`. */
    model: { type: 'string' },
    /** Also load a bare Node proxy in front of the mock (bare-proxy.ts): what any extra Node hop costs here. */
    bare: { type: 'boolean', default: false },
    /**
     * The bare proxy first asks this many echo services over NATS per request, at once (implies --bare): 2 is
     * the floor of the gateway's admission and route round trips.
     */
    'bare-round-trips': { type: 'string', default: '0' },
  },
});

/** Arguments the bench cannot run with: its message is all the user needs. */
class UsageError extends Error {}

interface Scenario {
  name: 'non-stream' | 'non-stream-instant' | 'stream';
  stream: boolean;
  /** Mock pacing: what an upstream costs. */
  behavior: { ttftMs: number; ttftJitterMs?: number; chunkDelayMs: number; chunks: number };
}

/**
 * `non-stream` answers after 50 ms, as a fast provider does a short completion: what the issue's throughput
 * and latency targets are about. `non-stream-instant` answers at once, so that throughput is bounded by CPU
 * alone (the load generator's and the mock's against the gateway's): it shows the gateway's own cost and
 * ceiling, not what a client of a real upstream sees.
 */
const SCENARIOS: Record<Scenario['name'], Scenario> = {
  'non-stream': { name: 'non-stream', stream: false, behavior: { ttftMs: 50, chunkDelayMs: 0, chunks: 8 } },
  'non-stream-instant': { name: 'non-stream-instant', stream: false, behavior: { ttftMs: 0, chunkDelayMs: 0, chunks: 8 } },
  stream: { name: 'stream', stream: true, behavior: { ttftMs: 50, chunkDelayMs: 5, chunks: 20 } },
};

const PROMPT = 'Tell me something about benchmarks.';

/** The mock echoes the prompt, cut into its `chunks`: a long answer needs as many characters as events. */
function targets(b: BenchStack, stream: boolean, prompt = PROMPT): { direct: LoadTarget; gateway: LoadTarget } {
  const body = (model: string) => JSON.stringify({ model, stream, messages: [{ role: 'user', content: prompt }] });
  const headers = (key: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });
  return {
    direct: { origin: b.mock, path: '/v1/chat/completions', headers: headers(b.mockKey), body: body('mock-bench'), stream },
    gateway: { origin: b.gateway, path: '/v1/chat/completions', headers: headers(b.key), body: body(b.model), stream },
  };
}

/** The direct request sent through the bare proxy instead: the same mock, key and body. */
const throughBare = (direct: LoadTarget, bare: BareProxy): LoadTarget => ({ ...direct, origin: bare.origin });

const rpsOf = (r: LoadResult) => (r.ok / r.elapsedMs) * 1000;

async function setBehavior(b: BenchStack, behavior: Scenario['behavior']): Promise<void> {
  const res = await fetch(`${b.mock}/_mock/behavior`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    // Patches merge: a jitter left from the scenario before must not reach this one.
    body: JSON.stringify({ ttftJitterMs: 0, ...behavior }),
  });
  if (!res.ok) throw new Error(`mock behavior not accepted: ${res.status} ${await res.text()}`);
}

function merge(into: LoadResult, r: LoadResult): void {
  into.ok += r.ok;
  into.elapsedMs += r.elapsedMs;
  // Not push(...r.x): a fast machine measures more samples in a round than a call can take arguments.
  for (const key of ['latencyMs', 'ttftMs', 'gapMs'] as const) for (const v of r[key]) into[key].push(v);
  for (const [k, v] of Object.entries(r.errors)) into.errors[k] = (into.errors[k] ?? 0) + v;
}

const WARM_UP = { concurrency: 20, durationMs: 3000 };

/** Whether the stack writes the proxy's access lines (they cost it CPU, so the default level is warn). */
const ACCESS_LINES = ['info', 'debug', 'trace'].includes(process.env.BENCH_LOG_LEVEL ?? '');

const empty = (): LoadResult => ({ ok: 0, errors: {}, elapsedMs: 0, latencyMs: [], ttftMs: [], gapMs: [] });

async function runScenario(b: BenchStack, s: Scenario, concurrency: number, durationMs: number, rounds: number, spans?: SpanSink, bareProxy?: BareProxy) {
  await setBehavior(b, s.behavior);
  const t = targets(b, s.stream);
  const viaBare = bareProxy && throughBare(t.direct, bareProxy);
  await runLoad(t.direct, concurrency, 1000);
  if (viaBare) await runLoad(viaBare, concurrency, 1000);
  await runLoad(t.gateway, concurrency, 1000);
  const direct = empty();
  const gateway = empty();
  const bare = empty();
  const bareUse = { cpuMs: 0, writes: 0 };
  const cpu: Record<string, number> = {};
  const writes: Record<string, number> = {};
  const waits = { direct: {} as Record<string, number>, gateway: {} as Record<string, number> };
  const add = (into: Record<string, number>, name: string, v: number) => (into[name] = (into[name] ?? 0) + v);
  // The load generator (this process) and the mock wait for a CPU too: on either side of a gateway request.
  const clientSide = { loadgen: process.pid, mock: b.mockPid };
  const quotaBefore = await scrape(b.metricsUrl('quota'));
  const routerBefore = await scrape(b.metricsUrl('router'));
  const proxyBefore = await scrape(b.metricsUrl('proxy'));
  const accessFrom = ACCESS_LINES ? logOffset(b.proxyLog) : 0;
  const gatewayWindows: Array<[number, number]> = [];
  spans?.take();
  for (let r = 0; r < rounds; r++) {
    const directRound = await measureCpu(clientSide, () => runLoad(t.direct, concurrency, durationMs));
    merge(direct, directRound.value);
    for (const [name, u] of Object.entries(directRound.used)) add(waits.direct, name, u.runQueueWaitMs);
    if (bareProxy && viaBare) {
      const bareRound = await measureCpu(bareProcesses(b, bareProxy), () => runLoad(viaBare, concurrency, durationMs));
      merge(bare, bareRound.value);
      for (const u of Object.values(bareRound.used)) {
        bareUse.cpuMs += u.cpuMs;
        bareUse.writes += u.writes;
      }
    }
    const from = Date.now();
    const gatewayRound = await measureCpu({ ...b.gatewayPids, ...clientSide }, () => runLoad(t.gateway, concurrency, durationMs));
    gatewayWindows.push([from, Date.now()]);
    merge(gateway, gatewayRound.value);
    for (const [name, u] of Object.entries(gatewayRound.used)) {
      add(waits.gateway, name, u.runQueueWaitMs);
      if (name in clientSide) continue;
      add(cpu, name, u.cpuMs);
      add(writes, name, u.writes);
    }
  }
  const quotaAfter = await scrape(b.metricsUrl('quota'));
  const routerAfter = await scrape(b.metricsUrl('router'));
  const proxyAfter = await scrape(b.metricsUrl('proxy'));
  // Where a gateway request waits, as the proxy measures it: auth, quota + routing, the upstream call.
  const phasesMs = Object.fromEntries(
    ['auth', 'admission', 'upstream'].map((phase) => [
      phase,
      histogramQuantiles(proxyBefore, proxyAfter, 'aigw_proxy_phase_duration_seconds', [50, 99], `phase="${phase}"`),
    ]),
  );
  const d = summarize(direct.latencyMs);
  const g = summarize(gateway.latencyMs);
  const perRequest = (byProcess: Record<string, number>, requests = gateway.ok) => {
    const total = Object.values(byProcess).reduce((a, v) => a + v, 0);
    return { total: round2(total / requests), ...Object.fromEntries(Object.entries(byProcess).map(([k, v]) => [k, round2(v / requests)])) };
  };
  const result: Record<string, unknown> = {
    scenario: s.name,
    concurrency,
    requests: { direct: direct.ok, gateway: gateway.ok },
    rps: { direct: round2(rpsOf(direct)), gateway: round2(rpsOf(gateway)), ratio: round2(rpsOf(gateway) / rpsOf(direct)) },
    latencyMs: {
      direct: { p50: round2(d.p50), p99: round2(d.p99) },
      gateway: { p50: round2(g.p50), p99: round2(g.p99) },
      added: { p50: round2(g.p50 - d.p50), p99: round2(g.p99 - d.p99), mean: round2(g.mean - d.mean) },
    },
    cpuMsPerRequest: perRequest(cpu),
    writeSyscallsPerRequest: perRequest(writes),
    runQueueWaitMsPerRequest: { direct: perRequest(waits.direct, direct.ok), gateway: perRequest(waits.gateway) },
    errors: { direct: direct.errors, gateway: gateway.errors },
    quotaDecisionMs: histogramQuantiles(quotaBefore, quotaAfter, 'quota_decision_duration_seconds', [50, 99]),
    routerDecisionMs: histogramQuantiles(routerBefore, routerAfter, 'aigw_router_decision_duration_seconds', [50, 99]),
    proxyPhasesMs: phasesMs,
  };
  if (bareProxy) result.bare = { roundTrips: bareProxy.roundTrips, ...bareFigures(direct, bare, bareUse, s.stream) };
  if (ACCESS_LINES) {
    // The last access lines reach the log up to 100 ms after their request (the logger writes in blocks).
    await new Promise((r) => setTimeout(r, 300));
    const timings = accessLogTimings(b.proxyLog, accessFrom);
    // What the client waited beyond the proxy's own window: its request and response queued for a CPU.
    result.proxyAccessMs = { ...timings, outsideP50: round2(g.p50 - timings.durationMs.p50) };
  }
  if (spans) {
    // The services export every 200 ms; the last round's spans arrive after it.
    await new Promise((r) => setTimeout(r, 1000));
    result.hops = hopBreakdown(spans.take(), gatewayWindows);
  }
  if (s.stream) {
    const dt = summarize(direct.ttftMs);
    const gt = summarize(gateway.ttftMs);
    const dg = summarize(direct.gapMs);
    const gg = summarize(gateway.gapMs);
    result.ttftMs = {
      direct: { p50: round2(dt.p50), p99: round2(dt.p99) },
      gateway: { p50: round2(gt.p50), p99: round2(gt.p99) },
      added: { p50: round2(gt.p50 - dt.p50), p99: round2(gt.p99 - dt.p99) },
    };
    result.chunkGapMs = { direct: { p50: round2(dg.p50), p99: round2(dg.p99) }, gateway: { p50: round2(gg.p50), p99: round2(gg.p99) } };
  }
  return result;
}

/**
 * What the bare proxy's CPU figure sums: the proxy, its echo services, and NATS when they talk through it
 * (the gateway is idle meanwhile).
 */
function bareProcesses(b: BenchStack, bareProxy: BareProxy): Record<string, number> {
  const nats = b.gatewayPids.nats;
  return bareProxy.roundTrips > 0 && nats !== undefined ? { ...bareProxy.pids, nats } : bareProxy.pids;
}

/**
 * The bare proxy's figures beside the gateway's, against the same direct rounds: what one more Node process
 * forwarding bytes adds on this machine, the floor under anything the gateway adds.
 */
function bareFigures(direct: LoadResult, bare: LoadResult, use: { cpuMs: number; writes: number }, stream: boolean) {
  const d = summarize(stream ? direct.ttftMs : direct.latencyMs);
  const p = summarize(stream ? bare.ttftMs : bare.latencyMs);
  return {
    requests: bare.ok,
    rps: round2(rpsOf(bare)),
    ratio: round2(rpsOf(bare) / rpsOf(direct)),
    /** As the gateway's figure the summary shows: a stream's to its first token. */
    added: { p50: round2(p.p50 - d.p50), p99: round2(p.p99 - d.p99) },
    cpuMsPerRequest: round2(use.cpuMs / bare.ok),
    writeSyscallsPerRequest: round2(use.writes / bare.ok),
    errors: bare.errors,
  };
}

/** One request through the gateway before any load: a key or alias it refuses would otherwise show up only as errors. */
async function checkGateway(b: BenchStack): Promise<void> {
  await setBehavior(b, { ttftMs: 0, chunkDelayMs: 0, chunks: 8 });
  const t = targets(b, false).gateway;
  const res = await fetch(`${t.origin}${t.path}`, { method: 'POST', headers: t.headers, body: t.body });
  if (res.ok) {
    await res.arrayBuffer();
    return;
  }
  throw new StackError(
    `The gateway answered ${res.status} to a bench request for '${b.model}': ${await res.text()}\n` +
      'Name an alias the stack routes to its mock provider with --model.',
  );
}

/**
 * Gets every process's hot code compiled before anything is measured: V8 optimises a function only after
 * many calls, so a low-concurrency scenario measured on a fresh stack would time the interpreter. A few
 * seconds of instant answers, plain and streamed, direct and through the gateway.
 */
async function warmUp(b: BenchStack, bareProxy?: BareProxy): Promise<void> {
  await setBehavior(b, { ttftMs: 0, chunkDelayMs: 0, chunks: 8 });
  for (const stream of [false, true]) {
    const t = targets(b, stream);
    await runLoad(t.direct, WARM_UP.concurrency, WARM_UP.durationMs);
    if (bareProxy) await runLoad(throughBare(t.direct, bareProxy), WARM_UP.concurrency, WARM_UP.durationMs);
    await runLoad(t.gateway, WARM_UP.concurrency, WARM_UP.durationMs);
  }
}

/** The scenario with the upstream's time to first token varying by `jitterMs` either way; an instant one stays instant. */
function withJitter(s: Scenario, jitterMs: number): Scenario {
  return s.behavior.ttftMs === 0 ? s : { ...s, behavior: { ...s.behavior, ttftJitterMs: jitterMs } };
}

async function saturation(b: BenchStack, durationMs: number, jitterMs: number) {
  const s = withJitter(SCENARIOS.stream, jitterMs);
  await setBehavior(b, s.behavior);
  const t = targets(b, true);
  const steps = [];
  for (const concurrency of [50, 200, 1000]) {
    const { value, used } = await measureCpu(b.gatewayPids, () => runLoad(t.gateway, concurrency, durationMs));
    const cpuPercent = Object.fromEntries(Object.entries(used).map(([k, u]) => [k, Math.round((u.cpuMs / value.elapsedMs) * 100)]));
    const busiest = Object.entries(cpuPercent).sort((a, c) => c[1] - a[1])[0];
    steps.push({
      concurrency,
      rps: round2(rpsOf(value)),
      ttftMsP99: round2(summarize(value.ttftMs).p99),
      errors: value.errors,
      cpuPercent,
      busiest: `${busiest[0]} ${busiest[1]}%`,
    });
  }
  return steps;
}

/**
 * `--hold`: as many streams open at once as the memory target names, each a long answer (300 events of five
 * characters, 100 ms apart: 30 s), as real answers of hundreds of tokens are; the saturation run's short
 * streams end before a stream's own buffers grow. The proxy's RSS is read every second while they run.
 */
const HOLD = { streams: 1000, behavior: { ttftMs: 50, chunkDelayMs: 100, chunks: 300 } };

async function hold(b: BenchStack) {
  await setBehavior(b, HOLD.behavior);
  const proxy = b.gatewayPids.proxy!;
  const startRssMb = rssMb(proxy);
  let maxRssMb = startRssMb;
  const sampler = setInterval(() => (maxRssMb = Math.max(maxRssMb, rssMb(proxy))), 1000);
  // Each worker's stream outlasts the window, so each holds one stream from start to end.
  const prompt = `${PROMPT} `.repeat(Math.ceil((HOLD.behavior.chunks * 5) / (PROMPT.length + 1)));
  const result = await runLoad(targets(b, true, prompt).gateway, HOLD.streams, 1000).finally(() => clearInterval(sampler));
  const gaps = summarize(result.gapMs);
  return {
    streams: HOLD.streams,
    ...HOLD.behavior,
    completed: result.ok,
    errors: result.errors,
    ttftMsP99: round2(summarize(result.ttftMs).p99),
    chunkGapMs: { p50: round2(gaps.p50), p99: round2(gaps.p99) },
    proxyRssMb: { start: round2(startRssMb), max: round2(maxRssMb) },
  };
}

async function main(): Promise<void> {
  const concurrency = Number(args.concurrency);
  const durationMs = Number(args.duration) * 1000;
  const rounds = Number(args.rounds);
  const jitterMs = Number(args.jitter);
  if (!Number.isInteger(jitterMs) || jitterMs < 0) throw new UsageError(`--jitter takes a whole number of milliseconds, not '${args.jitter}'`);
  const bareRoundTrips = Number(args['bare-round-trips']);
  if (!Number.isInteger(bareRoundTrips) || bareRoundTrips < 0 || bareRoundTrips > 8) {
    throw new UsageError(`--bare-round-trips takes a whole number from 0 to 8, not '${args['bare-round-trips']}'`);
  }
  const modes = args.modes!.split(',').filter(Boolean) as Scenario['name'][];
  const unknown = modes.filter((m) => !(m in SCENARIOS));
  if (unknown.length > 0) throw new UsageError(`unknown mode ${unknown.join(', ')}: the modes are ${Object.keys(SCENARIOS).join(', ')}`);
  const date = new Date().toISOString();
  const commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  const resultsDir = join(__dirname, '..', 'results');
  const profileDir = join(resultsDir, 'profiles', `${date.slice(0, 19).replace(/:/g, '')}-${commit}`);
  const nodeArgs = args['node-args'].split(/\s+/).filter(Boolean);
  if (args.running && (args.profile || args.hops || nodeArgs.length > 0)) {
    throw new UsageError('--profile, --hops and --node-args start the services with flags of their own: they cannot apply to a running stack');
  }
  if (args.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const spans = args.hops ? await SpanSink.start() : undefined;
  const model = args.model ?? (args.running ? 'gpt-4o-mini' : 'bench-model');
  const b = args.running ? await attachBenchStack({ model }) : await startBenchStack({ model, nodeArgs, env: spans?.env });
  const report: Record<string, unknown> = {
    date,
    commit,
    node: process.version,
    stack: args.running ? 'running' : 'own',
    durationS: Number(args.duration),
    rounds,
    ttftJitterMs: jitterMs,
  };
  let bareProxy: BareProxy | undefined;
  try {
    await checkGateway(b);
    if (args.bare || bareRoundTrips > 0) bareProxy = await startBareProxy(b.mock, { natsUrl: b.natsUrl, count: bareRoundTrips });
    await warmUp(b, bareProxy);
    report.scenarios = [];
    for (const m of modes) {
      const r = await runScenario(b, withJitter(SCENARIOS[m], jitterMs), concurrency, durationMs, rounds, spans, bareProxy);
      (report.scenarios as unknown[]).push(r);
      console.log(`${m}: ${JSON.stringify(r)}`);
    }
    if (args.saturation) {
      report.saturation = await saturation(b, durationMs, jitterMs);
      console.table(report.saturation);
    }
    if (args.hold) {
      report.hold = await hold(b);
      console.log(JSON.stringify(report.hold, null, 2));
    }
    report.peakRssMb = Object.fromEntries(Object.entries({ ...b.gatewayPids, mock: b.mockPid }).map(([k, pid]) => [k, round2(peakRssMb(pid))]));
    console.log('Peak RSS, MB:');
    console.table(report.peakRssMb);
    if (modes.length > 0) {
      console.log('Per scenario (a stream\'s added latency is its first token\'s; in brackets: direct):');
      console.table(summaryRows(report.scenarios as ScenarioFigures[]));
    }
  } finally {
    await b.close();
    await spans?.close();
    await bareProxy?.close();
  }
  if (args.profile) {
    const files = profilesByPid(profileDir);
    report.profile = Object.fromEntries(
      Object.entries(b.gatewayPids)
        .filter(([, pid]) => files.has(pid))
        .map(([name, pid]) => [name, Object.fromEntries(summarizeProfile(files.get(pid)!))]),
    );
    console.log(`CPU profiles (open in Chrome DevTools or speedscope): ${profileDir}`);
    for (const [name, buckets] of Object.entries(report.profile as Record<string, Record<string, number>>)) {
      console.log(`${name}: ${Object.entries(buckets).map(([k, v]) => `${k} ${v}%`).join(', ')}`);
    }
  }
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${date.slice(0, 19).replace(/:/g, '')}-${commit}.json`);
  writeFileSync(file, `${JSON.stringify(report)}\n`);
  console.log(`\n${JSON.stringify(report)}\nwritten to ${file}`);
}

main().catch((err) => {
  // Bad arguments, or a stack that is missing or refuses the bench: the message says what to do, a trace would only hide it.
  console.error(err instanceof UsageError || err instanceof StackError ? err.message : err);
  process.exit(1);
});
