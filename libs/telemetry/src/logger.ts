import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Paths pino censors wherever they appear. Secrets must never reach a log line, so anything that can
 * carry a credential is listed here rather than trusted to the call site.
 */
export const REDACT_PATHS = [
  'key',
  'apiKey',
  'secret',
  'password',
  'token',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'headers["api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  '*.key',
  '*.apiKey',
  '*.secret',
  '*.token',
  '*.authorization',
];

export type { Logger };

/** JSON logger to stdout for one service, with redaction; children add `reqId` and other bindings. */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
