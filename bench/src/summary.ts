/** The parts of a scenario's report the summary shows (`runScenario` in main.ts makes the whole). */
export interface ScenarioFigures {
  scenario: string;
  rps: { direct: number; gateway: number; ratio: number };
  latencyMs: { added: { p50: number; p99: number } };
  ttftMs?: { added: { p50: number; p99: number } };
  chunkGapMs?: { direct: { p99: number }; gateway: { p99: number } };
  cpuMsPerRequest: { total: number; proxy?: number };
  errors: { direct: Record<string, number>; gateway: Record<string, number> };
}

/**
 * One row per scenario with what the targets are about, to read at a glance (`console.table`); the
 * JSON line holds everything else. A stream's added latency is its first token's; its whole-stream time
 * stays in the JSON.
 */
export function summaryRows(scenarios: readonly ScenarioFigures[]): Record<string, Record<string, number | string>> {
  const errors = (byKind: Record<string, number>) => Object.values(byKind).reduce((a, n) => a + n, 0);
  return Object.fromEntries(
    scenarios.map((s) => [
      s.scenario,
      {
        'req/s direct': s.rps.direct,
        'req/s gateway': s.rps.gateway,
        ratio: s.rps.ratio,
        'added p50 ms': (s.ttftMs ?? s.latencyMs).added.p50,
        'added p99 ms': (s.ttftMs ?? s.latencyMs).added.p99,
        'chunk gap p99 ms': s.chunkGapMs ? `${s.chunkGapMs.gateway.p99} (${s.chunkGapMs.direct.p99})` : '',
        'CPU ms/req': s.cpuMsPerRequest.total,
        'proxy CPU ms/req': s.cpuMsPerRequest.proxy ?? '',
        errors: `${errors(s.errors.gateway)} (${errors(s.errors.direct)})`,
      },
    ]),
  );
}
