import type { NextFunction, Request, Response } from 'express';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import type { Deployment } from '@aigw/contracts';
import type { Operation } from '@aigw/providers';
import { GenAiAttr, SpanKind, SpanStatusCode, tracerFor, type Span } from '@aigw/telemetry';
import { contextOf, finalStatus, type RequestContext } from '../http/request-context';
import type { AttemptDetails, AttemptOutcome } from '../upstream/call-upstream';
import type { RelayEnd } from '../upstream/sse-relay';
import { genAiOperation, genAiSystem } from './gen-ai-names';
import type { InferenceMetrics } from './inference-metrics';

const tracer = tracerFor('proxy');

/** Header carrying the request's trace id back to the client, to quote when reporting a problem. */
export const TRACE_ID_HEADER = 'x-trace-id';

/** Outcomes that end an attempt span as failed; the rest are answers (`client_error`) or not the upstream's doing. */
const FAILED: ReadonlySet<AttemptOutcome> = new Set(['server_error', 'timeout', 'network_error', 'rejected', 'rate_limited', 'no_credential']);

/**
 * One request's trace and stream timings: the server span (in the client's trace when it sent a
 * `traceparent`), one client span per upstream attempt (a stream's lasts until the stream ends), and the
 * inference metrics recorded when the response is over. Attributes follow the GenAI semantic conventions
 * and carry no prompt or completion text; they are only computed when the trace is recorded.
 */
export class RequestTelemetry {
  readonly span: Span;
  /** The request span's context, for what the request does after an await (the active context does not follow). */
  readonly context: Context;
  readonly #ctx: RequestContext;
  readonly #metrics: InferenceMetrics;
  #operation: Operation | undefined;
  #attempt: Span | undefined;
  #attempts = 0;
  #lastChunkAt: number | undefined;
  #chunkGaps: ReturnType<InferenceMetrics['interChunk']['labels']> | undefined;

  constructor(span: Span, traceContext: Context, ctx: RequestContext, metrics: InferenceMetrics) {
    this.span = span;
    this.context = traceContext;
    this.#ctx = ctx;
    this.#metrics = metrics;
  }

  attemptStarted(deployment: Deployment, operation: Operation): void {
    this.#operation = operation;
    this.#attempts += 1;
    if (!this.span.isRecording()) {
      this.#attempt = tracer.startSpan('upstream', { kind: SpanKind.CLIENT }, this.context);
      return;
    }
    const system = genAiSystem[deployment.kind];
    this.#attempt = tracer.startSpan(
      `${genAiOperation[operation]} ${deployment.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [GenAiAttr.operationName]: genAiOperation[operation],
          [GenAiAttr.system]: system,
          [GenAiAttr.providerName]: system,
          [GenAiAttr.requestModel]: deployment.model,
          'server.address': new URL(deployment.baseUrl).hostname,
          'aigw.deployment.id': deployment.id,
          'aigw.provider': deployment.provider,
          'aigw.attempt': this.#attempts,
        },
      },
      this.context,
    );
  }

  /** The attempt's outcome is known; a stream that started stays open until `streamEnded`. */
  attemptDecided(outcome: AttemptOutcome, details: AttemptDetails, stream: boolean): void {
    const span = this.#attempt;
    if (!span) return;
    if (details.status !== undefined) span.setAttribute('http.response.status_code', details.status);
    if (outcome === 'ok' && stream) return;
    this.#endAttempt(outcome);
  }

  /** An event was written to the client. */
  chunkDelivered(): void {
    const now = performance.now();
    if (this.#lastChunkAt !== undefined) {
      this.#chunkGaps ??= this.#metrics.interChunk.labels(labelsOf(this.#ctx));
      this.#chunkGaps.observe((now - this.#lastChunkAt) / 1000);
    }
    this.#lastChunkAt = now;
  }

  streamEnded(end: RelayEnd): void {
    this.#endAttempt(end === 'complete' ? 'ok' : end === 'client_gone' ? 'aborted' : 'server_error');
  }

  /** The response is over (finished or the client left): records its metrics and ends its spans. */
  finish(req: Request, res: Response): void {
    const ctx = this.#ctx;
    // Only a stream the relay has not reported the end of yet is still open here.
    this.#endAttempt(res.writableFinished ? 'ok' : 'aborted');
    const status = finalStatus(res);
    const labels = labelsOf(ctx);
    if (labels.provider !== undefined) {
      if (ctx.usage) {
        this.#metrics.tokens.inc({ ...labels, type: 'input' }, ctx.usage.promptTokens);
        this.#metrics.tokens.inc({ ...labels, type: 'output' }, ctx.usage.completionTokens);
      }
      if (ctx.stream && ctx.firstByteMs !== undefined) this.#metrics.timeToFirstToken.observe(labels, ctx.firstByteMs / 1000);
    }
    const { span } = this;
    if (span.isRecording()) {
      const route = ctx.httpRoute ?? (req.route as { path?: string } | undefined)?.path;
      span.updateName(`${req.method} ${route ?? ctx.route}`);
      span.setAttributes({
        'http.request.method': req.method,
        'http.response.status_code': status,
        'aigw.request.id': ctx.id,
        'aigw.route': ctx.route,
        'aigw.attempts': ctx.attempts,
        'aigw.stream': ctx.stream,
        'aigw.incomplete': ctx.interrupted || !res.writableFinished,
      });
      if (route) span.setAttribute('http.route', route);
      if (this.#operation) span.setAttribute(GenAiAttr.operationName, genAiOperation[this.#operation]);
      if (ctx.model !== undefined) span.setAttribute(GenAiAttr.requestModel, ctx.model);
      if (ctx.principal) span.setAttributes({ 'aigw.tenant.id': ctx.principal.tenantId, 'aigw.key.id': ctx.principal.keyId });
      if (ctx.deployment) {
        const system = genAiSystem[ctx.deployment.kind];
        span.setAttributes({
          [GenAiAttr.system]: system,
          [GenAiAttr.providerName]: system,
          [GenAiAttr.responseModel]: ctx.deployment.model,
          'aigw.deployment.id': ctx.deployment.id,
        });
      }
      if (ctx.usage) {
        span.setAttributes({ [GenAiAttr.usageInputTokens]: ctx.usage.promptTokens, [GenAiAttr.usageOutputTokens]: ctx.usage.completionTokens });
      }
      if (ctx.firstByteMs !== undefined) span.setAttribute('aigw.time_to_first_byte_ms', ctx.firstByteMs);
      // As HTTP servers do: a 4xx is the client's answer, a 5xx the gateway's failure.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute('error.type', String(status));
    }
    span.end();
  }

  #endAttempt(outcome: AttemptOutcome): void {
    const span = this.#attempt;
    if (!span) return;
    this.#attempt = undefined;
    span.setAttribute('aigw.attempt.outcome', outcome);
    if (FAILED.has(outcome)) span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute('error.type', outcome);
    span.end();
  }
}

/** Metric labels of a request: the alias and the provider, once it reached one. */
function labelsOf(ctx: RequestContext): { model?: string; provider?: string } {
  return ctx.deployment ? { model: ctx.model, provider: ctx.deployment.provider } : {};
}

export function telemetryOf(res: Response): RequestTelemetry {
  return res.locals.telemetry as RequestTelemetry;
}

/**
 * Opens the server span of every API request (after `requestContext`, whose context it reads), in the
 * trace of the client's `traceparent` if it sent one, and runs the rest of the request in it, up to its first
 * await: from there on the request passes `telemetry.context` on itself. The trace id goes back in
 * `x-trace-id` and into the access line and the usage event.
 */
export function requestTelemetry(metrics: InferenceMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const ctx = contextOf(res);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    const traceContext = trace.setSpan(parent, span);
    const telemetry = new RequestTelemetry(span, traceContext, ctx, metrics);
    res.locals.telemetry = telemetry;
    const spanContext = span.spanContext();
    if (isSpanContextValid(spanContext)) {
      ctx.traceId = spanContext.traceId;
      res.setHeader(TRACE_ID_HEADER, spanContext.traceId);
    }
    res.once('close', () => telemetry.finish(req, res));
    context.with(traceContext, next);
  };
}
