import pino, { type Logger, type DestinationStream } from 'pino';
import { isSpanContextValid, trace } from '@opentelemetry/api';

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

/**
 * Fields that carry prompt or completion text in the wire formats the gateway speaks (OpenAI, Anthropic,
 * Gemini), and whole bodies. Censored unless content logging is opted into: what users send a model is
 * theirs, not the operators'.
 */
const CONTENT_FIELDS = ['messages', 'prompt', 'input', 'instructions', 'system', 'contents', 'completion', 'choices', 'content', 'text', 'body'];
export const CONTENT_PATHS = CONTENT_FIELDS.flatMap((field) => [field, `*.${field}`]);

export type { Logger };

export interface LoggerOptions {
  /** Log prompt and completion text as it is; by default it is censored (env `LOG_CONTENT=true` opts in). */
  logContent?: boolean;
}

/**
 * JSON logger to stdout for one service, with redaction; children add `reqId` and other bindings. A line
 * written while a span is active carries its `traceId` and `spanId`, so logs and traces join up.
 */
export function createLogger(service: string, level = 'info', destination?: DestinationStream, opts: LoggerOptions = {}): Logger {
  const logContent = opts.logContent ?? process.env.LOG_CONTENT === 'true';
  return pino(
    {
      level,
      base: { service },
      redact: { paths: logContent ? REDACT_PATHS : [...REDACT_PATHS, ...CONTENT_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
    },
    destination ?? bufferedStdout(),
  );
}

/** How long a line may wait in the stdout buffer for more to join it, number of milliseconds. */
const FLUSH_DELAY_MS = 100;

/**
 * Stdout in blocks of up to 4 KB, written at most 100 ms after a line, instead of one write per line: with an
 * access line per request, a write syscall each was a sizeable share of the proxy's CPU. pino writes what
 * is buffered synchronously when the process exits, a crash included; only a SIGKILL loses it.
 *
 * The flush is armed by a line, not by a clock: sonic-boom's `periodicFlush` writes every 100 ms even with
 * nothing buffered, a thread-pool write and a wake-up each, about 0.6% of a core per idle process. A flush
 * that finds a write in progress does nothing, so each completed write arms one more, for the lines that
 * came meanwhile; the last one of a burst writes nothing and arms none.
 */
function bufferedStdout(): DestinationStream & { flush(cb?: (err?: Error) => void): void } {
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    stdout.flush();
  };
  const arm = () => {
    timer ??= setTimeout(flush, FLUSH_DELAY_MS).unref();
  };
  stdout.on('write', (bytes: number) => {
    if (bytes > 0) arm();
  });
  return {
    write(line: string) {
      stdout.write(line);
      arm();
    },
    flush: (cb) => stdout.flush(cb),
  };
}

const NO_FIELDS = {};

function traceFields(): { traceId?: string; spanId?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : NO_FIELDS;
}
