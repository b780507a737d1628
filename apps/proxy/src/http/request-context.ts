import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Deployment, Principal } from '@aigw/contracts';
import { clientFormatOf, type ClientFormat, type TokenUsage } from '@aigw/providers';
import { setSecurityHeaders } from '@aigw/http-edge';
import type { Logger } from '@aigw/telemetry';
import type { ProxyMetrics } from '../metrics';

/** What the proxy learns about one request while serving it; read once, when the response is over. */
export interface RequestContext {
  /** `req_...`, made here: it is the billing dedupe key, so never taken from the client. */
  id: string;
  /** Metrics label: a fixed route name, never the raw path. */
  route: string;
  /** The path template that matched (`http.route`) when express's router did not match it: see `createApp`. */
  httpRoute?: string;
  /** `performance.now()` at arrival. */
  startedAt: number;
  principal?: Principal;
  /** W3C trace id of the request's trace (the client's when it sent a `traceparent`); set by `requestTelemetry`. */
  traceId?: string;
  model?: string;
  /** The deployment last tried upstream; set once the request got that far. */
  deployment?: Deployment;
  attempts: number;
  stream: boolean;
  /** The client API's wire format, set by a route that serves one API: errors are answered in it (`formatOf`). */
  format?: ClientFormat;
  usage?: TokenUsage;
  /** The response started but did not complete (upstream broke mid-stream, or the client left). */
  interrupted: boolean;
  /** Arrival to the first body byte sent, number of milliseconds. */
  firstByteMs?: number;
  /** Time spent waiting on each dependency, numbers of milliseconds. */
  waits: { auth?: number; admission?: number; upstream?: number };
}

/** Status recorded for a request whose client left before any answer (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

export function contextOf(res: Response): RequestContext {
  return res.locals.ctx as RequestContext;
}

/** The status the client saw. */
export function finalStatus(res: Response): number {
  return res.headersSent ? res.statusCode : CLIENT_CLOSED_STATUS;
}

function round<T extends number | undefined>(ms: T): T {
  return (ms === undefined ? ms : Math.round(ms * 100) / 100) as T;
}

export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`;
}

/**
 * The wire format to answer a request in: its route's, or on a path both APIs share or none serves, the
 * request's own (`clientFormatOf`). Decided where it is needed, so that an inference request, whose route
 * knows its API, never asks.
 */
export function formatOf(req: Request, ctx: RequestContext | undefined): ClientFormat {
  return ctx?.format ?? clientFormatOf(req.path, req.headers['anthropic-version']);
}

/**
 * Opens the context of every API request, sets `x-request-id` and the security headers, and on the response's one terminal event
 * ('close', whether it finished or the client left) counts it and writes its one access line.
 */
export function requestContext(deps: { logger: Logger; metrics: ProxyMetrics; isClosing: () => boolean }) {
  const { logger, metrics } = deps;
  return (_req: Request, res: Response, next: NextFunction) => {
    const ctx: RequestContext = {
      id: newRequestId(),
      route: 'unmatched',
      startedAt: performance.now(),
      attempts: 0,
      stream: false,
      interrupted: false,
      waits: {},
    };
    res.locals.ctx = ctx;
    res.setHeader('x-request-id', ctx.id);
    setSecurityHeaders(res);
    if (deps.isClosing()) res.setHeader('connection', 'close');
    metrics.inFlight.inc();
    res.once('close', () => {
      const status = finalStatus(res);
      const durationMs = performance.now() - ctx.startedAt;
      metrics.inFlight.dec();
      // The alias and provider once a deployment was chosen: both come from the config, so the label sets stay bounded.
      const servedBy = ctx.deployment && ctx.model !== undefined ? { model: ctx.model, provider: ctx.deployment.provider } : {};
      metrics.requests.inc({ route: ctx.route, status, ...servedBy });
      metrics.duration.observe({ route: ctx.route }, durationMs / 1000);
      const { auth, admission, upstream } = ctx.waits;
      if (auth !== undefined) metrics.phases.observe({ phase: 'auth' }, auth / 1000);
      if (admission !== undefined) metrics.phases.observe({ phase: 'admission' }, admission / 1000);
      if (upstream !== undefined) metrics.phases.observe({ phase: 'upstream' }, upstream / 1000);
      logger.info(
        {
          reqId: ctx.id,
          traceId: ctx.traceId,
          route: ctx.route,
          status,
          keyId: ctx.principal?.keyId,
          keyPrefix: ctx.principal?.keyPrefix,
          tenant: ctx.principal?.tenantId,
          model: ctx.model,
          deployment: ctx.deployment?.id,
          attempts: ctx.attempts,
          stream: ctx.stream,
          incomplete: ctx.interrupted || !res.writableFinished,
          promptTokens: ctx.usage?.promptTokens,
          completionTokens: ctx.usage?.completionTokens,
          durationMs: round(durationMs),
          ttftMs: round(ctx.firstByteMs),
          authMs: round(auth),
          admissionMs: round(admission),
          upstreamMs: round(upstream),
        },
        'request',
      );
    });
    next();
  };
}
