/**
 * `npm run rebuild -w @aigw/metering [-- --apply] [-- --json]`
 *
 * Recomputes the usage aggregates from the USAGE stream and reports every stored key that differs.
 * Exit status: 0 when the stored aggregates match the events, 1 when they differ (whether or not
 * `--apply` replaced them), 2 when the rebuild could not run.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Redis } from 'ioredis';
import { connectBus } from '@aigw/bus';
import { commonEnv, loadEnv, loadGatewayConfig, withRunningStack } from '@aigw/config';
import { formatMicros } from '@aigw/pricing';
import { createLogger } from '@aigw/telemetry';
import { rebuildLedger, type Difference, type RebuildReport } from './ledger-rebuild';

const USAGE = `usage: rebuild [--apply] [--json] [--help]
  --apply  replace the stored aggregates that differ (stop metering first)
  --json   print the report as JSON`;

function describe(value: Difference['stored']): string {
  if (value === null) return '(missing)';
  if (Array.isArray(value)) return `{${value.join(', ')}}`;
  return Object.entries(value)
    .map(([k, v]) => `${k}=${k === 'cost_micros' ? `${v} (${formatMicros(Number(v))})` : v}`)
    .join(' ');
}

function print(report: RebuildReport): void {
  const { stream, replayed } = report;
  console.log(`stream USAGE: ${stream.messages} messages, seq ${stream.firstSeq}..${stream.lastSeq}`);
  console.log(`replayed: ${replayed.messages} messages, ${replayed.counted} events, ${replayed.duplicates} duplicates, ${replayed.invalid} invalid`);
  console.log(report.comparedFrom === null ? 'compared: every bucket (the stream is complete)' : `compared: buckets from ${report.comparedFrom} (older events have aged out of the stream)`);
  if (!report.liveCaughtUp) console.log('warning: metering had not caught up with the stream; recent buckets may differ only because events are in flight');
  console.log(`keys compared: ${report.comparedKeys}, differing: ${report.differences.length}`);
  for (const d of report.differences) {
    console.log(`  ${d.key}\n    stored:  ${describe(d.stored)}\n    rebuilt: ${describe(d.rebuilt)}`);
  }
  if (report.applied) console.log(`applied: ${report.differences.length} key(s) replaced with the rebuilt values`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { apply: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const stack = withRunningStack();
  const env = loadEnv(
    z.object({
      ...commonEnv,
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
      METERING_DEDUPE_TTL_S: z.coerce.number().int().positive().default(7 * 24 * 60 * 60),
      /** How long to wait for metering to acknowledge the replayed events, number of milliseconds. */
      METERING_REBUILD_CATCH_UP_MS: z.coerce.number().int().nonnegative().default(30_000),
    }),
    stack.env,
  );
  process.stderr.write(`rebuild: NATS at ${env.NATS_URL}, Redis at ${env.REDIS_URL} (from the ${stack.from})\n`);
  // Logs go to stderr: stdout carries the report.
  const logger = createLogger('metering-rebuild', env.LOG_LEVEL, process.stderr);
  const config = loadGatewayConfig();
  const nc = await connectBus({ servers: env.NATS_URL, name: 'metering-rebuild', logger });
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectionName: 'metering-rebuild' });
  try {
    const report = await rebuildLedger({
      nc,
      redis,
      prices: config.prices,
      dedupeTtlS: env.METERING_DEDUPE_TTL_S,
      apply: values.apply,
      catchUpTimeoutMs: env.METERING_REBUILD_CATCH_UP_MS,
      logger,
    });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else print(report);
    return report.differences.length === 0 ? 0 : 1;
  } finally {
    await nc.drain();
    await redis.quit();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.error(USAGE);
    process.exit(2);
  },
);
