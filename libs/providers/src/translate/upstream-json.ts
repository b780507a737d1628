import { UpstreamError } from '@aigw/contracts';

/**
 * A complete upstream body or event parsed as the JSON object its API documents. Anything else is the
 * upstream's fault, answered 502 (or ending a stream with an in-band error), never a crash.
 */
export function parseUpstreamJson(text: Buffer | string, provider: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    throw new UpstreamError(`The ${provider} upstream answered with malformed JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UpstreamError(`The ${provider} upstream answered with JSON that is not an object.`);
  }
  return value as Record<string, unknown>;
}

/** The upstream's answer lacks what its API documents. */
export function malformed(provider: string, what: string): UpstreamError {
  return new UpstreamError(`The ${provider} upstream answered with ${what}.`);
}

/** A count in an upstream's answer: a whole number of at least 0, or the upstream's fault. */
export function countIn(answer: Record<string, unknown>, field: string, provider: string): number {
  const count = answer[field];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw malformed(provider, `no '${field}' count`);
  return count;
}
