import type { Request, Response } from 'express';
import type { Agent } from 'undici';
import type { BusClient } from '@aigw/bus';
import { checkModel, GatewayError } from '@aigw/contracts';
import { formatOfOperation, SseEventTooLargeError, type Operation } from '@aigw/providers';
import type { JsonShapeLimits } from '@aigw/http-edge';
import { bindToActiveContext } from '@aigw/telemetry';
import type { Authenticate } from '@aigw/auth-client';
import type { ProxyMetrics } from '../../metrics';
import { admitAndRoute } from '../../policy/admit-and-route';
import type { LeaseKeeper } from '../../quota/lease-keeper';
import { reservationOf } from '../../quota/reservation';
import { telemetryOf } from '../../telemetry/request-telemetry';
import { routeFeatures } from '../../policy/route-features';
import type { AttemptReporter } from '../../upstream/attempt-reporter';
import { AttemptTracker } from '../../upstream/attempt-tracker';
import { callUpstream, networkFailure, type UpstreamTimeouts } from '../../upstream/call-upstream';
import { deadline, TotalTimeoutError } from '../../upstream/deadlines';
import type { ResiliencePolicy } from '../../upstream/retry-schedule';
import { relaySse } from '../../upstream/sse-relay';
import { clientBody } from '../../translation/client-body';
import { upstreamErrorReply } from '../../translation/client-error';
import { servableCandidates } from '../../translation/servable-candidates';
import type { UsagePublisher } from '../../usage/usage-publisher';
import { usageEventOf } from '../../usage/usage-event';
import { billedUsage, meteredRequest, type MeteredRequest } from '../../usage/metered-request';
import { sendClientError } from '../error-map';
import { parseJsonObject, requireInput, requireMessages, requireMessagesAndMaxTokens, requireModel, requireOutputBounds } from '../inference-params';
import { readJsonBody } from '../read-body';
import { contextOf, finalStatus, type RequestContext } from '../request-context';

export interface InferenceDeps {
  bus: BusClient;
  authenticate: Authenticate;
  agent: Agent;
  timeouts: UpstreamTimeouts;
  maxBodyBytes: number;
  /** How much structure a body may hold (depth, arrays and objects, values), checked before it is parsed. */
  jsonShape: JsonShapeLimits;
  credentials: Readonly<Record<string, string | undefined>>;
  usage: UsagePublisher;
  metrics: ProxyMetrics;
  attempts: AttemptReporter;
  resilience: ResiliencePolicy;
  leases: LeaseKeeper;
}

const routes: Readonly<Record<Operation, { name: string; validate: (body: Record<string, unknown>) => void }>> = {
  chat: { name: 'chat.completions', validate: requireMessages },
  embeddings: { name: 'embeddings', validate: requireInput },
  responses: { name: 'responses', validate: requireInput },
  messages: { name: 'messages', validate: requireMessagesAndMaxTokens },
};

/**
 * An inference request, start to end: key → body → quota and route → upstream candidates → the client.
 * Failures are thrown as typed errors and answered by the error handler; what reached an upstream is
 * metered once, when the response is over, whatever way it ended.
 */
export function inferenceRoute(operation: Operation, deps: InferenceDeps) {
  const { name, validate } = routes[operation];
  return async (req: Request, res: Response): Promise<void> => {
    const ctx = contextOf(res);
    const telemetry = telemetryOf(res);
    ctx.route = name;
    const format = (ctx.format = formatOfOperation[operation]);
    // Aborted when the client leaves, or by the total deadline (with its own reason) once the upstream is called.
    const abort = new AbortController();
    const lease = deps.leases.track(ctx.id);
    const metered = meteredRequest(req.headers);
    // Bound to the request's trace, which the usage event and the lease release then carry on.
    res.once('close', bindToActiveContext(() => {
      if (!res.writableFinished) abort.abort();
      if (ctx.deployment) publishUsage(ctx, operation, res, deps.usage, metered);
      lease.end(ctx.deployment !== undefined);
    }));

    let mark = performance.now();
    const principal = await deps.authenticate(req);
    ctx.principal = principal;
    ctx.waits.auth = performance.now() - mark;
    const body = parseJsonObject(await readJsonBody(req, deps.maxBodyBytes, deps.jsonShape));
    metered.body = body;
    ctx.model = requireModel(body);
    checkModel(principal, ctx.model);
    validate(body);
    requireOutputBounds(body);
    mark = performance.now();
    const features = routeFeatures(body, req.headers);
    const reservation = reservationOf(operation, features, body);
    const { candidates } = await admitAndRoute(deps.bus, res, { requestId: ctx.id, principal, model: ctx.model, features, reservation, lease }, telemetry.context);
    ctx.waits.admission = performance.now() - mark;
    const tracker = new AttemptTracker(deps.attempts, ctx.id, features.promptTokens);
    const total = deadline(deps.resilience.totalMs, () => new TotalTimeoutError(deps.resilience.totalMs), abort);
    res.once('close', total.clear);

    mark = performance.now();
    const result = await callUpstream(
      deps.agent,
      {
        operation,
        body,
        candidates: servableCandidates(operation, body, candidates),
        signal: abort.signal,
        policy: deps.resilience,
        credentials: deps.credentials,
        toClientBody: clientBody,
        onAttempt: (deployment, prepared) => {
          ctx.deployment = deployment;
          ctx.stream = prepared.stream;
          ctx.attempts += 1;
          tracker.started(deployment);
          telemetry.attemptStarted(deployment, operation);
        },
        onOutcome: (outcome, details) => {
          deps.metrics.upstreamAttempts.inc({ outcome, deployment: ctx.deployment!.id });
          tracker.decided(outcome, details, ctx.stream);
          telemetry.attemptDecided(outcome, details, ctx.stream);
        },
      },
      deps.timeouts,
    );
    ctx.waits.upstream = performance.now() - mark;

    // The request's concurrency slot is given back before its last bytes go out, so that a client that sends
    // its next request the moment this one ends never finds its own slot still taken.
    const releaseSlot = () => lease.settle();
    if (result.kind === 'answer') {
      const reply = upstreamErrorReply(result);
      await releaseSlot();
      sendClientError(res, format, reply.status, reply.body, reply.headers);
      return;
    }
    if (result.kind === 'body') {
      const { out } = result;
      ctx.usage = out.usage;
      metered.responded = true;
      // What was delivered is only counted when the upstream reported no usage.
      if (!out.usage) metered.delivered.body(out.body);
      ctx.firstByteMs = performance.now() - ctx.startedAt;
      await releaseSlot();
      res.writeHead(result.status, { 'content-type': out.contentType, 'content-length': out.body.length });
      res.end(out.body);
      return;
    }
    metered.responded = true;
    const end = await relaySse(
      res,
      {
        body: result.body,
        first: result.first,
        adapter: result.adapter,
        usageAdded: result.prepared.usageAdded,
        translator: result.prepared.translation?.stream(),
        format,
      },
      {
        onFirstByte: () => {
          ctx.firstByteMs = performance.now() - ctx.startedAt;
        },
        beforeEnd: releaseSlot,
        onUsage: (usage) => {
          ctx.usage = usage;
        },
        onBroken: () => {
          ctx.interrupted = true;
        },
        onDelivered: (bytes) => {
          if (!ctx.usage) metered.delivered.add(bytes);
          telemetry.chunkDelivered();
        },
        describeFailure: (err) => {
          const name = `deployment '${result.deployment.id}'`;
          if (err instanceof SseEventTooLargeError) return { message: `The upstream stream broke off: ${name}: ${err.message}`, timeout: false };
          if (err instanceof GatewayError) {
            // The translator found the upstream's stream broken: an error event, malformed data, no proper end.
            tracker.brokeWith('server_error');
            return { message: `${err.message} (${name})`, timeout: false };
          }
          const failure = networkFailure(name, err, deps.timeouts);
          tracker.brokeWith(failure.outcome);
          return { message: `The upstream stream broke off: ${failure.message}.`, timeout: failure.outcome === 'timeout' };
        },
      },
    );
    tracker.streamEnded(end, ctx.usage);
    telemetry.streamEnded(end);
  };
}

/** The usage event, made once the turn's work is done: counting tokens for it is synchronous work. */
function publishUsage(ctx: RequestContext, operation: Operation, res: Response, usage: UsagePublisher, metered: MeteredRequest): void {
  const { principal, model, deployment } = ctx;
  if (!principal || model === undefined || !deployment) return;
  usage.publish(async () => {
    const outcome = {
      status: finalStatus(res),
      incomplete: ctx.interrupted || !res.writableFinished,
      latencyMs: performance.now() - ctx.startedAt,
    };
    const billed = await billedUsage(ctx.usage, metered);
    return usageEventOf({ ...ctx, principal, model, deployment }, operation, outcome, { ...billed, traceId: metered.traceId });
  });
}
