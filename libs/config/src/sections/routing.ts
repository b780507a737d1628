import { z } from 'zod';
import { RequestClass } from '@aigw/contracts';

const ms = (fallback: number) => z.number().int().positive().default(fallback);
const share = (fallback: number) => z.number().min(0).max(1).default(fallback);

const pattern = z.string().refine((source) => {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** One classification rule of strategy `auto`: the request is of `class` when any keyword or pattern matches. */
const ClassRule = z.strictObject({
  class: RequestClass,
  /** Matched case-insensitively as whole words (or as written, for keywords with punctuation). */
  keywords: z.array(z.string().min(1)).default([]),
  /** Regular expressions, matched case-insensitively. */
  patterns: z.array(pattern).default([]),
  /** Also matches any request with at least this many prompt tokens. */
  minPromptTokens: z.number().int().positive().optional(),
});
export type ClassRule = z.output<typeof ClassRule>;

/** Rules used when the config names none: broad keyword lists, good enough to start with. */
export const DEFAULT_CLASS_RULES: z.input<typeof ClassRule>[] = [
  {
    class: 'coding',
    keywords: ['```', 'code', 'function', 'bug', 'compile', 'stack trace', 'refactor', 'typescript', 'javascript', 'python', 'java', 'golang', 'rust', 'sql', 'regex', 'api', 'unit test'],
  },
  {
    class: 'reasoning',
    keywords: ['prove', 'proof', 'step by step', 'calculate', 'solve', 'derive', 'equation', 'logic', 'puzzle', 'why does', 'explain why'],
  },
  {
    class: 'creative',
    keywords: ['poem', 'story', 'haiku', 'lyrics', 'song', 'fiction', 'novel', 'screenplay', 'slogan', 'imagine'],
  },
];

/** `routing:` how the router judges deployments. Every field has a default; see apps/router/README.md. */
export const RoutingSection = z
  .strictObject({
    /** Circuit breaker per deployment, fed by the attempt outcomes every proxy publishes. */
    breaker: z
      .strictObject({
        /** Opens after this many failures in a row. */
        consecutiveFailures: z.number().int().positive().default(5),
        /** ...or when at least this share of the attempts in `windowMs` failed... */
        failureRate: z.number().gt(0).max(1).default(0.5),
        /**
         * Short, so that a deployment that starts failing half its calls opens within about this: a long
         * window keeps the successes from before, and a rate exactly at the threshold stays under it for as long.
         */
        windowMs: ms(2_000),
        /** ...and there were at least this many of them. */
        minRequests: z.number().int().positive().default(10),
        /** How long an opened circuit stays open before probe requests may go through. */
        cooldownMs: ms(5_000),
        /** The cool-down doubles each time a probe fails, up to this. */
        maxCooldownMs: ms(60_000),
        /** Requests let through at a time (per router replica) while half-open. */
        halfOpenProbes: z.number().int().positive().default(1),
        /** A probe that has not reported within this is given up on, and another may go. */
        probeTimeoutMs: ms(30_000),
      })
      .prefault({}),
    /** Active health checks: one router replica at a time sends `GET <baseUrl>/models` to every provider. */
    healthCheck: z
      .strictObject({
        enabled: z.boolean().default(true),
        intervalMs: ms(10_000),
        timeoutMs: ms(2_000),
      })
      .prefault({}),
    /** Strategy `latency`. */
    latency: z
      .strictObject({
        /** Weight of the newest sample in the moving averages (EWMA). */
        alpha: z.number().gt(0).max(1).default(0.3),
        /** Share of decisions that go to the deployment heard from least recently, so none is starved. */
        exploration: share(0.1),
      })
      .prefault({}),
    /** Strategies `capacity` and every other: deployments with less headroom than this come after the rest. */
    capacity: z.strictObject({ minHeadroom: share(0.1) }).prefault({}),
    /** Strategy `cost`: completion size assumed when the request sets no maximum, number of tokens. */
    cost: z.strictObject({ expectedCompletionTokens: z.number().int().positive().default(256) }).prefault({}),
    /** Strategy `auto`: rules tried in order, first match wins; `general` when none matches. */
    classes: z.array(ClassRule).default(() => DEFAULT_CLASS_RULES.map((rule) => ClassRule.parse(rule))),
  })
  .prefault({});
export type RoutingSection = z.output<typeof RoutingSection>;
