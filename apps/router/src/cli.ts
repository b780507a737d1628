import { z } from 'zod';
import { connect } from '@nats-io/transport-node';
import { commonEnv, loadEnv, loadGatewayConfig, withRunningStack } from '@aigw/config';
import { runRoutesCli } from './config/routes-cli';
import { openRoutingBucket } from './config/routing-store';

/** `npm run routes -- <command>`: reads and changes the routing configuration in NATS KV. */
async function main(): Promise<number> {
  const stack = withRunningStack();
  const env = loadEnv(z.object({ NATS_URL: commonEnv.NATS_URL }), stack.env);
  process.stderr.write(`routes: NATS at ${env.NATS_URL} (from the ${stack.from})\n`);
  const nc = await connect({ servers: env.NATS_URL.split(','), name: 'routes-cli' });
  try {
    const kv = await openRoutingBucket(nc);
    return await runRoutesCli(process.argv.slice(2), kv, () => loadGatewayConfig(), {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await nc.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`routes: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
