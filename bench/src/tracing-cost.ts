import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { GenAiAttr, SpanKind, tracerFor, withSpan } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';

/**
 * What tracing costs the proxy per request, in CPU microseconds: the spans one request makes (request
 * span in the client's trace, auth, quota and router bus requests with their `traceparent` headers, one
 * upstream attempt, the usage publish), without the rest of the request. Each mode runs in a process of
 * its own, since the tracer provider is global:
 *   none  OTEL_SDK_DISABLED=true: no provider, every span a no-op (the floor);
 *   off   startTracing without an endpoint (the default): trace ids made and passed on, nothing recorded;
 *   otlp  startTracing exporting OTLP/protobuf in batches to a local sink that discards (the sink's own
 *         CPU is in the parent process, not counted).
 *
 *   node --import tsx bench/src/tracing-cost.ts [requests]
 */

const CLIENT_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const setter = { set: (carrier: ReturnType<typeof natsHeaders>, key: string, value: string) => carrier.set(key, value) };

async function oneRequest(): Promise<void> {
  const proxy = tracerFor('proxy');
  const bus = tracerFor('bus');
  const busRequest = (subject: string) => {
    const span = bus.startSpan(subject, { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject } });
    propagation.inject(trace.setSpan(context.active(), span), natsHeaders(), setter);
    span.end();
  };
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent: CLIENT_TRACEPARENT });
  const span = proxy.startSpan('POST', { kind: SpanKind.SERVER }, parent);
  await context.with(trace.setSpan(parent, span), async () => {
    await withSpan(proxy, 'auth', { kind: SpanKind.INTERNAL }, async () => undefined);
    busRequest('quota.v1.admit');
    busRequest('router.v1.route');
    const attempt = proxy.startSpan('chat gpt-4o-mini', {
      kind: SpanKind.CLIENT,
      attributes: span.isRecording() ? { [GenAiAttr.system]: 'openai', [GenAiAttr.requestModel]: 'gpt-4o-mini', 'aigw.deployment.id': 'd1' } : undefined,
    });
    attempt.setAttribute('aigw.attempt.outcome', 'ok');
    attempt.end();
    await withSpan(bus, 'publish usage.v1.recorded', { kind: SpanKind.PRODUCER }, async () => {
      propagation.inject(context.active(), natsHeaders(), setter);
    });
  });
  if (span.isRecording()) {
    span.setAttributes({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'http.route': '/v1/chat/completions',
      [GenAiAttr.operationName]: 'chat',
      [GenAiAttr.requestModel]: 'gpt-4o-mini',
      [GenAiAttr.responseModel]: 'gpt-4o-mini-2024-07-18',
      [GenAiAttr.usageInputTokens]: 12,
      [GenAiAttr.usageOutputTokens]: 40,
      'aigw.tenant.id': 'acme',
      'aigw.request.id': 'req_0123456789abcdef',
    });
  }
  span.end();
}

async function measure(requests: number): Promise<void> {
  const tracing = startTracing('proxy');
  // Real requests wait on I/O; yielding to the event loop lets batches go out as they would between them.
  const run = async (n: number) => {
    for (let i = 0; i < n; i += 1) {
      await oneRequest();
      if (i % 10 === 9) await new Promise(setImmediate);
    }
  };
  await run(5_000);
  const start = process.cpuUsage();
  await run(requests);
  await tracing.shutdown();
  const used = process.cpuUsage(start);
  process.stdout.write(JSON.stringify({ usPerRequest: (used.user + used.system) / requests }));
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 50_000);
  if (process.env.TRACING_COST_CHILD) return measure(requests);
  let exported = 0;
  const sink = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (exported += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const modes: Record<string, NodeJS.ProcessEnv> = {
    none: { OTEL_SDK_DISABLED: 'true' },
    off: {},
    // A queue that holds the whole run: every span is exported (and paid for), none dropped.
    otlp: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_MAX_QUEUE_SIZE: String(requests * 10) },
  };
  const results: Record<string, number> = {};
  for (const [mode, env] of Object.entries(modes)) {
    // Asynchronously: the sink in this process answers the child's exports while it runs.
    const run = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', __filename, String(requests)], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', ...env, TRACING_COST_CHILD: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${mode} exited with ${code}`))));
    });
    results[mode] = (JSON.parse(run) as { usPerRequest: number }).usPerRequest;
  }
  sink.close();
  const none = results.none!;
  console.log(`tracing cost per proxy request (${requests} requests, CPU microseconds)`);
  for (const [mode, us] of Object.entries(results)) console.log(`  ${mode.padEnd(5)} ${us.toFixed(1).padStart(7)}   +${(us - none).toFixed(1)} over none`);
  console.log(`  otlp exported ${(exported / (requests + 5_000)).toFixed(0)} bytes of spans per request`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
