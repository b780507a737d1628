import type { KV } from '@nats-io/kv';
import { parse as parseYaml } from 'yaml';
import { ConfigError, routingDocumentOf, type GatewayConfig } from '@aigw/config';
import { Buckets } from '@aigw/contracts';
import { getAt, parsePath, setAt, unsetAt } from './routing-edit';
import { readRouting, writeRouting } from './routing-store';

export const ROUTES_USAGE = `Usage: npm run routes -- <command>

  show [path]          the routing configuration in force (or the part at path), as JSON
  set <path> <value>   set the field at path; value is YAML or JSON (e.g. weighted, 5, '{id: a, weight: 5}')
  unset <path>         remove the field at path
  import               replace the stored configuration with the config file's (AIGW_CONFIG or config/gateway.yaml)
  history              the stored revisions, newest last

A path names fields from the top separated by "/", e.g. models/gpt-4o-mini/strategy or
models/gpt-4o-mini/deployments/0/weight. Every change is validated first (an invalid one is refused with
the reasons, and nothing is stored) and written only if nobody changed the configuration meanwhile.
Routers apply a stored change within a second.`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one `routes` command against the routing bucket; returns the process exit code. */
export async function runRoutesCli(argv: readonly string[], kv: KV, loadFile: () => GatewayConfig, io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'show': {
        const stored = await current(kv);
        io.out(JSON.stringify(args[0] ? getAt(stored.doc, parsePath(args[0])) : stored.doc, null, 2) ?? 'undefined');
        io.err(`revision ${stored.revision}`);
        return 0;
      }
      case 'set':
      case 'unset': {
        const [pathText, valueText] = args;
        if (!pathText || (command === 'set' && valueText === undefined)) throw new UsageError();
        const stored = await current(kv);
        const path = parsePath(pathText);
        const next = command === 'set' ? setAt(stored.doc, path, parseYaml(valueText!) as unknown) : unsetAt(stored.doc, path);
        const written = await writeRouting(kv, next, stored.revision);
        io.out(`stored revision ${written.revision} (was ${stored.revision})`);
        return 0;
      }
      case 'import': {
        const written = await writeRouting(kv, routingDocumentOf(loadFile()));
        io.out(`stored the config file's routing configuration as revision ${written.revision}`);
        return 0;
      }
      case 'history': {
        const history = await kv.history({ key: Buckets.routing.configKey });
        for await (const entry of history) io.out(`revision ${entry.revision}  ${entry.created.toISOString()}  ${entry.operation}  ${entry.length} bytes`);
        return 0;
      }
      default:
        throw new UsageError();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(ROUTES_USAGE);
    } else if (err instanceof ConfigError) {
      io.err(`refused, nothing was stored: ${err.message}`);
    } else if ((err as Error).name === 'JetStreamApiError' && /wrong last sequence/.test((err as Error).message)) {
      io.err('refused: the configuration changed while this edit was made; run the command again');
    } else {
      io.err(`failed: ${(err as Error).message}`);
    }
    return 1;
  }
}

class UsageError extends Error {}

async function current(kv: KV) {
  const stored = await readRouting(kv);
  if (!stored) throw new Error(`no routing configuration is stored yet (KV ${Buckets.routing.name}/${Buckets.routing.configKey}); start a router, or run import`);
  return stored;
}
