import type { Logger } from 'pino';

/** Work that must finish after the service has closed and before the process exits (flushing spans). */
const finalSteps: Array<() => Promise<void>> = [];

/** Registers `step` to run, within the grace period, after `close` and before the process exits. */
export function beforeExit(step: () => Promise<void>): void {
  finalSteps.push(step);
}

/**
 * Runs `close` once on SIGINT or SIGTERM, then the `beforeExit` steps, then exits. A second signal, or a
 * close that takes longer than `graceMs`, exits at once so that an operator is never stuck waiting.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, graceMs = 10_000): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'shutdown grace period over, exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close()
      .then(async () => {
        // A step that fails (an unreachable trace collector) is worth a warning, not a failed shutdown.
        for (const step of finalSteps) await step().catch((err: unknown) => logger.warn({ err }, 'a final shutdown step failed'));
      })
      .then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
