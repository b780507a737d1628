import type { NatsConnection } from '@nats-io/transport-node';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import type { z } from 'zod';
import { ContractViolationError, ErrorCode, GatewayError, InternalError, Services, type ServiceName } from '@aigw/contracts';
import { context, trace } from '@opentelemetry/api';
import { failSpan, SpanKind, type Logger, type Span } from '@aigw/telemetry';
import type { EndpointContract } from './contract';
import { decodeJson, encodeJson } from './codec';
import { endOfTurn } from './end-of-turn';
import { busTracer, rpcAttributes, traceContextOf } from './trace-context';

/** Header the services framework sets on error replies; its presence marks a reply as an error. */
export const ERROR_CODE_HEADER = 'Nats-Service-Error-Code';

export interface Endpoint<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  contract: EndpointContract<Req, Res>;
  handle: (request: z.output<Req>) => Promise<z.input<Res>>;
}

/** Longest error description put in the `Nats-Service-Error` header; the whole message travels in the body. */
const MAX_ERROR_HEADER_CHARS = 200;

/**
 * An error message as a NATS header value can carry it. Messages may quote what a client sent (a model
 * name, a tenant id), and a header with CR or LF makes nats.js throw out of the responder, taking the
 * service down; so every character outside printable ASCII becomes `?`, whoever wrote the message. The
 * body keeps the exact text, as JSON.
 */
export function headerSafe(text: string): string {
  const safe = text.length > MAX_ERROR_HEADER_CHARS ? `${text.slice(0, MAX_ERROR_HEADER_CHARS - 3)}...` : text;
  return safe.replace(/[^\x20-\x7e]/g, '?');
}

/** Answers being computed, per service: `stopService` waits for them so that a shutdown drops no reply. */
const inFlight = new WeakMap<Service, Set<Promise<void>>>();

/** Pairs a contract with its handler, keeping the types of both tied together. */
export function endpoint<Req extends z.ZodType, Res extends z.ZodType>(
  contract: EndpointContract<Req, Res>,
  handle: (request: z.output<Req>) => Promise<z.input<Res>>,
): Endpoint {
  return { contract, handle } as unknown as Endpoint;
}

/**
 * Serves endpoints as a NATS service (name + version, group `<service>.v<major>`, queue group = the
 * service name, so replicas share the load). A request that fails its schema is answered with
 * `invalid_request`; a `GatewayError` keeps its code; anything else is logged and answered `internal_error`.
 * Error replies carry `Nats-Service-Error(-Code)` headers and the error's JSON as body. Each answer is a
 * server span in the trace that the request's headers carry. The answers ready in one event-loop turn
 * leave together, in one socket write (`endOfTurn`).
 */
export async function startService(
  nc: NatsConnection,
  name: ServiceName,
  endpoints: Endpoint[],
  logger: Logger,
): Promise<Service> {
  const def = Services[name];
  const service = await new Svcm(nc as never).add({ name: def.name, version: def.version, queue: def.name });
  const group = service.addGroup(def.group);
  const answering = new Set<Promise<void>>();
  inFlight.set(service, answering);
  for (const ep of endpoints) {
    const token = ep.contract.subject.slice(def.group.length + 1);
    group.addEndpoint(token, {
      handler: (err, msg) => {
        if (err) {
          logger.error({ err, subject: ep.contract.subject }, 'endpoint subscription failed');
          return;
        }
        const answered = answer(ep, msg, logger).finally(() => answering.delete(answered));
        answering.add(answered);
      },
    });
  }
  // Ready means reachable: make sure the server has the subscriptions before anyone is told so.
  await nc.flush();
  logger.info({ version: def.version, subjects: endpoints.map((e) => e.contract.subject) }, 'service started');
  return service;
}

/**
 * Stops taking requests and waits until those already received are answered. Call it before draining
 * the connection: a drain alone does not wait for asynchronous handlers, whose replies would be lost.
 */
export async function stopService(service: Service): Promise<void> {
  await service.stop();
  await Promise.allSettled(inFlight.get(service) ?? []);
}

async function answer(ep: Endpoint, msg: ServiceMsg, logger: Logger): Promise<void> {
  const parent = traceContextOf(msg.headers);
  const span = busTracer.startSpan(ep.contract.subject, { kind: SpanKind.SERVER, attributes: rpcAttributes(ep.contract) }, parent);
  try {
    await context.with(trace.setSpan(parent, span), respond, undefined, ep, msg, logger, span);
  } finally {
    span.end();
  }
}

async function respond(ep: Endpoint, msg: ServiceMsg, logger: Logger, span: Span): Promise<void> {
  try {
    let raw: unknown;
    try {
      raw = decodeJson(msg.data);
    } catch {
      throw new ContractViolationError(ep.contract.subject, 'the payload is not JSON');
    }
    const parsed = ep.contract.Request.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ContractViolationError(ep.contract.subject, `${issue?.path.join('.')} ${issue?.message}`);
    }
    const reply = encodeJson(await ep.handle(parsed.data));
    await endOfTurn();
    msg.respond(reply);
  } catch (err) {
    const gwErr = err instanceof GatewayError ? err : new InternalError('Internal error in the service.', { cause: err });
    if (!(err instanceof GatewayError)) logger.error({ err, subject: ep.contract.subject }, 'endpoint failed');
    // As for HTTP servers, a refusal the caller caused is an answer, not a failure of this span.
    if (gwErr.code === ErrorCode.Internal || gwErr.code === ErrorCode.ServiceUnavailable) failSpan(span, gwErr);
    else span.setAttribute('error.type', gwErr.code);
    await endOfTurn();
    try {
      msg.respondError(gwErr.code === 'internal_error' ? 500 : 400, headerSafe(gwErr.message), encodeJson(gwErr));
    } catch (replyErr) {
      // Whatever a reply can fail on, it must not take the service down: the caller times out instead.
      logger.error({ err: replyErr, subject: ep.contract.subject }, 'could not send an error reply');
    }
  }
}
