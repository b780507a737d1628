import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm start` describes the stack it runs: `.data/stack.json` at the repository root. */
export const STACK_FILE = join(__dirname, '..', '..', '..', '.data', 'stack.json');

/**
 * The environment a command-line tool should run with beside the stack `npm start` runs: that stack's
 * `NATS_URL` and `REDIS_URL` (from its `.data/stack.json`) under whatever the environment sets itself, so
 * that `npm run routes` or a rebuild reach the stack on this checkout, never another one on the default
 * ports. `from` says where the addresses came from, for the tool to tell its user.
 */
export function withRunningStack(
  env: NodeJS.ProcessEnv = process.env,
  file = STACK_FILE,
): { env: NodeJS.ProcessEnv; from: 'environment' | 'stack file' | 'defaults' } {
  if (env.NATS_URL !== undefined || env.REDIS_URL !== undefined) return { env, from: 'environment' };
  let stack: { natsUrl?: unknown; redisUrl?: unknown };
  try {
    stack = JSON.parse(readFileSync(file, 'utf8')) as typeof stack;
  } catch {
    return { env, from: 'defaults' };
  }
  const urls: NodeJS.ProcessEnv = {};
  if (typeof stack.natsUrl === 'string') urls.NATS_URL = stack.natsUrl;
  if (typeof stack.redisUrl === 'string') urls.REDIS_URL = stack.redisUrl;
  return { env: { ...urls, ...env }, from: 'stack file' };
}
