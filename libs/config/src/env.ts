import { z } from 'zod';

/** Raised at boot when configuration is wrong; lists every problem at once. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Formats zod issues as `field: message` lines naming the offending field. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/**
 * Reads settings from environment variables through a schema and freezes the result. Every service
 * declares its own variables; a wrong one stops the service naming the variable.
 */
export function loadEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError('environment', describeIssues(result.error));
  return Object.freeze(result.data);
}

/** A TCP port from an env variable. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Settings every service shares. */
export const commonEnv = {
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Deadline of one NATS request, number of milliseconds. */
  BUS_TIMEOUT_MS: z.coerce.number().int().positive().default(1000),
  /**
   * Interface of the ops endpoints (`/healthz`, `/readyz`, `/metrics`) of the services that have a port of
   * their own for them: loopback unless a deployment says otherwise (containers set `0.0.0.0`).
   */
  OPS_HOST: z.string().min(1).default('127.0.0.1'),
};

/** Settings of every HTTP edge a client reaches (proxy, metering API, admin API); numbers of milliseconds. */
export const edgeEnv = {
  /** The whole request, headers and body, must arrive within this; a slower one is answered 408. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** The request's headers alone. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
};

/** The deadlines `edgeEnv` sets, as `createEdgeServer` (`@aigw/http-edge`) takes them. */
export function edgeDeadlines(env: { HTTP_REQUEST_TIMEOUT_MS: number; HTTP_HEADERS_TIMEOUT_MS: number }) {
  return { requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS, headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS, keepAliveMs: 65_000 };
}
