import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { StackError } from './infra';
import type { ServiceName } from './services';
import type { Stack } from './stack';

/**
 * What a running stack tells other tools on this machine (`npm run bench -- --running`): where each service
 * listens and which process it is. `npm start` writes it to `.data/stack.json` and removes it when it stops.
 * It holds no secret: the keys stay in their own files.
 */
export interface StackFile {
  urls: Stack['urls'];
  /** The port answering /readyz and /metrics, per service. */
  ports: Record<ServiceName, number>;
  pids: Record<ServiceName, number>;
  natsUrl: string;
  redisUrl: string;
  /** Where the services' logs are (`logs/<service>.log`). */
  dataDir: string;
}

export function stackFileOf(stack: Stack, infra: { natsUrl: string; redisUrl: string }): StackFile {
  const services = [...stack.services.values()];
  return {
    urls: stack.urls,
    ports: Object.fromEntries(services.map((s) => [s.name, s.port])) as StackFile['ports'],
    pids: Object.fromEntries(services.map((s) => [s.name, s.child.pid])) as StackFile['pids'],
    natsUrl: infra.natsUrl,
    redisUrl: infra.redisUrl,
    dataDir: stack.dataDir,
  };
}

export function writeStackFile(path: string, file: StackFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}

export function removeStackFile(path: string): void {
  rmSync(path, { force: true });
}

/** The stack described at `path`; a StackError saying what to do when there is none. */
export function readStackFile(path: string): StackFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new StackError(`No running stack is described at ${path}: start one with \`npm start\` first.`);
  }
  return JSON.parse(text) as StackFile;
}
