import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Subjects } from '@aigw/contracts';
import { round2, summarize } from './stats';

/** OTLP span kinds, as OTLP/JSON numbers them. */
export const SERVER = 2;
export const CLIENT = 3;

/** Our own request/reply subjects: a proxy client span named otherwise is its upstream call. */
const BUS_SUBJECTS = new Set<string>(Object.values(Subjects));

export interface SpanRecord {
  service: string;
  name: string;
  kind: number;
  id: string;
  parent: string;
  /** Unix microseconds. The SDK starts a span on `Date.now()`, so starts are whole milliseconds. */
  start: number;
  end: number;
}

interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{
      spans?: Array<{ name: string; kind: number; spanId: string; parentSpanId?: string; startTimeUnixNano: string; endTimeUnixNano: string }>;
    }>;
  }>;
}

const micros = (nanos: string) => Number(BigInt(nanos) / 1000n);

/**
 * An OTLP/HTTP JSON receiver for the stack's spans (`--hops`): every service exports to it, and
 * `hopBreakdown` then follows each gateway request across processes.
 */
export class SpanSink {
  #spans: SpanRecord[] = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<SpanSink> {
    const sink: SpanSink = new SpanSink(
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          try {
            sink.#add(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson);
          } catch {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      }),
    );
    await new Promise<void>((resolve) => sink.#server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  /**
   * What the services need to export every span here, uncompressed, fast enough that a scenario's spans are
   * in when it ends. The traces-specific variables win over any general `OTEL_*` setting in the environment.
   */
  get env(): Record<string, string> {
    const { port } = this.#server.address() as AddressInfo;
    return {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
  }

  /** The spans received so far, forgetting them. */
  take(): SpanRecord[] {
    const spans = this.#spans;
    this.#spans = [];
    return spans;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #add(body: OtlpJson): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.#spans.push({
            service,
            name: s.name,
            kind: s.kind,
            id: s.spanId,
            parent: s.parentSpanId ?? '',
            start: micros(s.startTimeUnixNano),
            end: micros(s.endTimeUnixNano),
          });
        }
      }
    }
  }
}

/**
 * Where a gateway request's time goes, hop by hop, in milliseconds: to quota and back, to the router and
 * back (asked at once), the proxy's own work before and after the upstream call, and the upstream call
 * itself. p50 and mean over the `requests` whose proxy span began within `windows` (Unix ms) and whose
 * spans all arrived. A hop between two processes is the difference of two span starts, each a whole
 * millisecond: single values are off by up to 1 ms, means are not.
 */
export function hopBreakdown(spans: readonly SpanRecord[], windows: ReadonlyArray<readonly [number, number]>) {
  const children = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    const list = children.get(s.parent);
    if (list) list.push(s);
    else children.set(s.parent, [s]);
  }
  const hops: Record<string, number[]> = {};
  let requests = 0;
  const add = (hop: string, us: number) => (hops[hop] ??= []).push(us / 1000);
  const served = (client: SpanRecord | undefined, service: string) =>
    client && children.get(client.id)?.find((s) => s.service === service && s.kind === SERVER);

  for (const proxy of spans) {
    if (proxy.service !== 'proxy' || proxy.kind !== SERVER) continue;
    if (!windows.some(([from, to]) => proxy.start >= from * 1000 && proxy.start <= to * 1000)) continue;
    const calls = (children.get(proxy.id) ?? []).filter((s) => s.kind === CLIENT);
    const admit = calls.find((s) => s.name === Subjects.quotaAdmit);
    const route = calls.find((s) => s.name === Subjects.routerRoute);
    const upstream = calls.filter((s) => !BUS_SUBJECTS.has(s.name)).sort((a, b) => a.start - b.start)[0];
    const quota = served(admit, 'quota');
    const router = served(route, 'router');
    if (!admit || !route || !upstream || !quota || !router) continue;
    requests += 1;
    add('toQuota', quota.start - admit.start);
    add('quota', quota.end - quota.start);
    add('fromQuota', admit.end - quota.end);
    add('toRouter', router.start - route.start);
    add('router', router.end - router.start);
    add('fromRouter', route.end - router.end);
    add('proxyBeforeUpstream', admit.start - proxy.start + (upstream.start - Math.max(admit.end, route.end)));
    add('upstream', upstream.end - upstream.start);
    add('proxyAfterUpstream', proxy.end - upstream.end);
    add('proxySpan', proxy.end - proxy.start);
  }
  const ms = Object.fromEntries(
    Object.entries(hops).map(([hop, values]) => {
      const s = summarize(values);
      return [hop, { p50: round2(s.p50), mean: round2(s.mean) }];
    }),
  );
  return { requests, ms };
}
