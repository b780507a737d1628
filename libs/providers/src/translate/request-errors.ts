import { InvalidRequestError } from '@aigw/contracts';
import type { z } from 'zod';

/** A zod issue path as the client names the parameter: `messages[0].content[1].image_url`. */
export function paramOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A request the target cannot take, as the 400 the client gets: the message names the parameter. */
export function refuse(param: string | null, message: string): never {
  throw new InvalidRequestError(message, param ?? undefined);
}

type Issue = z.core.$ZodIssue;

/**
 * The most specific problem under a union that failed (`content` is a string or a list of blocks): the
 * branch whose problem lies deepest in the body says best what is wrong.
 */
function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: Issue = issue;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = deepest({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
      if (candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best;
}

/**
 * The body checked against the client API's schema, before translating it: a translator must never send
 * a broken request upstream, nor crash on one. The first problem is reported, naming its parameter.
 */
export function parseClientBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = deepest(result.error.issues[0]!);
  const param = paramOf(issue.path);
  refuse(param || null, param ? `Invalid '${param}': ${issue.message}.` : `Invalid request body: ${issue.message}.`);
}
