import type { Request, Response } from 'express';
import type { Agent } from 'undici';
import type { BusClient } from '@aigw/bus';
import { SseEventTooLargeError, type Operation } from '@aigw/providers';
import type { Authenticate } from '../../auth/authenticate';
import type { ProxyMetrics } from '../../metrics';
import { admitAndRoute } from '../../policy/admit-and-route';
import { callUpstream, networkFailure, type UpstreamTimeouts } from '../../upstream/call-upstream';
import { relaySse } from '../../upstream/sse-relay';
import type { UsagePublisher } from '../../usage/usage-publisher';
import { usageEventOf } from '../../usage/usage-event';
import { sendJsonError } from '../error-map';
import { parseJsonObject, requireInput, requireMessages, requireModel } from '../inference-params';
import { readBody } from '../read-body';
import { contextOf, finalStatus, type RequestContext } from '../request-context';

export interface InferenceDeps {
  bus: BusClient;
  authenticate: Authenticate;
  agent: Agent;
  timeouts: UpstreamTimeouts;
  maxBodyBytes: number;
  credentials: Readonly<Record<string, string | undefined>>;
  usage: UsagePublisher;
  metrics: ProxyMetrics;
}

const routes: Readonly<Record<Operation, { name: string; validate: (body: Record<string, unknown>) => void }>> = {
  chat: { name: 'chat.completions', validate: requireMessages },
  embeddings: { name: 'embeddings', validate: requireInput },
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
    ctx.route = name;
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
      if (ctx.deployment) publishUsage(ctx, operation, res, deps.usage);
    });

    let mark = performance.now();
    const principal = await deps.authenticate(req.headers);
    ctx.principal = principal;
    ctx.waits.auth = performance.now() - mark;
    const body = parseJsonObject(await readBody(req, deps.maxBodyBytes));
    ctx.model = requireModel(body);
    validate(body);
    mark = performance.now();
    const { candidates } = await admitAndRoute(deps.bus, res, { requestId: ctx.id, principal, model: ctx.model });
    ctx.waits.admission = performance.now() - mark;

    mark = performance.now();
    const result = await callUpstream(
      deps.agent,
      {
        operation,
        body,
        candidates,
        signal: abort.signal,
        credentials: deps.credentials,
        onAttempt: (deployment, prepared) => {
          ctx.deployment = deployment;
          ctx.stream = prepared.stream;
          ctx.attempts += 1;
        },
        onOutcome: (outcome) => deps.metrics.upstreamAttempts.inc({ outcome }),
      },
      deps.timeouts,
    );
    ctx.waits.upstream = performance.now() - mark;

    if (result.kind === 'answer') {
      sendJsonError(res, result.status, result.error);
      return;
    }
    if (result.kind === 'body') {
      ctx.usage = result.adapter.readUsage(result.body);
      ctx.firstByteMs = performance.now() - ctx.startedAt;
      res.writeHead(result.status, { 'content-type': result.contentType, 'content-length': result.body.length });
      res.end(result.body);
      return;
    }
    await relaySse(
      res,
      { body: result.body, first: result.first, adapter: result.adapter, usageAdded: result.prepared.usageAdded },
      {
        onFirstByte: () => {
          ctx.firstByteMs = performance.now() - ctx.startedAt;
        },
        onUsage: (usage) => {
          ctx.usage = usage;
        },
        onBroken: () => {
          ctx.interrupted = true;
        },
        describeFailure: (err) => {
          const name = `deployment '${result.deployment.id}'`;
          if (err instanceof SseEventTooLargeError) return { message: `The upstream stream broke off: ${name}: ${err.message}`, timeout: false };
          const failure = networkFailure(name, err, deps.timeouts);
          return { message: `The upstream stream broke off: ${failure.message}.`, timeout: failure.outcome === 'timeout' };
        },
      },
    );
  };
}

function publishUsage(ctx: RequestContext, operation: Operation, res: Response, usage: UsagePublisher): void {
  const { principal, model, deployment } = ctx;
  if (!principal || model === undefined || !deployment) return;
  usage.publish(
    usageEventOf({ ...ctx, principal, model, deployment }, operation, {
      status: finalStatus(res),
      incomplete: ctx.interrupted || !res.writableFinished,
      latencyMs: performance.now() - ctx.startedAt,
    }),
  );
}
