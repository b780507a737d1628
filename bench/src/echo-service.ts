import { connect } from '@nats-io/transport-node';

/**
 * The least a NATS request/reply service can do: decode each request on its subject as JSON and answer it
 * with a fixed reply the size of an admission. With `--bare-round-trips N` the bare proxy asks N of them,
 * each a process of its own, before it forwards a request: the floor of asking quota and the router on
 * every request, as the design rules have the gateway do, with none of their work.
 *
 * Run as `node --import tsx echo-service.ts <nats url> <subject>`; it prints `ready` once it is subscribed.
 */
const [servers, subject] = process.argv.slice(2);
if (!servers || !subject) throw new Error('usage: echo-service.ts <nats url> <subject>');

const REPLY = new TextEncoder().encode(JSON.stringify({ admitted: true, requests: { limit: 100_000_000, remaining: 99_999_999, resetMs: 60_000 } }));
const decoder = new TextDecoder();

void (async () => {
  const nc = await connect({ servers, name: 'bench-echo' });
  nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) throw err;
      JSON.parse(decoder.decode(msg.data));
      msg.respond(REPLY);
    },
  });
  await nc.flush();
  process.stdout.write('ready\n');
})();
