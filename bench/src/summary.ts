/** The parts of a scenario's report the summary shows (`runScenario` in main.ts makes the whole). */
export interface ScenarioFigures {
  scenario: string;
  rps: { direct: number; gateway: number; ratio: number };
  latencyMs: { added: { p50: number; p99: number } };
  ttftMs?: { added: { p50: number; p99: number } };
  chunkGapMs?: { direct: { p99: number }; gateway: { p99: number } };
  cpuMsPerRequest: { total: number; proxy?: number };
  errors: { direct: Record<string, number>; gateway: Record<string, number> };
  /** With `--bare`: the bare proxy's figures against the same direct rounds. */
  bare?: { roundTrips: number; ratio: number; added: { p50: number; p99: number }; cpuMsPerRequest: number };
}

const bareColumn = (roundTrips: number) =>
  `bare proxy${roundTrips > 0 ? ` + ${roundTrips} NATS round trip${roundTrips > 1 ? 's' : ''}` : ''}: ratio; added p50 / p99; CPU`;

/**
 * One row per scenario with what the issue's targets are about, to read at a glance (`console.table`), and
 * with `--bare` the same for the bare proxy in one column; the JSON line holds everything else. A stream's added latency is its first token's; its whole-stream time
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
        ...(s.bare ? { [bareColumn(s.bare.roundTrips)]: `${s.bare.ratio}; ${s.bare.added.p50} / ${s.bare.added.p99} ms; ${s.bare.cpuMsPerRequest} ms` } : {}),
      },
    ]),
  );
}
