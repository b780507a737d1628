import { errors as natsErrors, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { context, trace, type Context } from '@opentelemetry/api';
import type { z } from 'zod';
import { GatewayError, InternalError, ServiceUnavailableError, gatewayErrorFromJSON } from '@aigw/contracts';
import { failSpan, SpanKind } from '@aigw/telemetry';
import { timeRequest } from './bus-metrics';
import type { EndpointContract } from './contract';
import { decodeJson, encodeJson } from './codec';
import { endOfTurn } from './end-of-turn';
import { isBusDown } from './connect';
import { ReplyInbox } from './reply-inbox';
import { ERROR_CODE_HEADER } from './service';
import { busTracer, rpcAttributes, traceHeaders } from './trace-context';

export interface RequestOptions {
  /** Deadline for the reply, number of milliseconds. */
  timeoutMs?: number;
  /** The trace context the request is part of; the active one by default. */
  context?: Context;
}

/**
 * Typed request/reply over NATS. Every failure comes back as a `GatewayError`: a service error keeps its
 * code, a missing or silent service becomes `service_unavailable` naming the service. Each request is a
 * client span whose trace context travels in the message headers, and is timed by subject. Requests and
 * notices made in one event-loop turn leave together, in one socket write (`endOfTurn`).
 */
export class BusClient {
  readonly #nc: NatsConnection;
  readonly #inbox: ReplyInbox;
  readonly #timeoutMs: number;

  constructor(nc: NatsConnection, opts: { timeoutMs: number }) {
    this.#nc = nc;
    this.#inbox = new ReplyInbox(nc);
    this.#timeoutMs = opts.timeoutMs;
  }

  async request<Req extends z.ZodType, Res extends z.ZodType>(
    contract: EndpointContract<Req, Res>,
    payload: z.input<Req>,
    opts: RequestOptions = {},
  ): Promise<z.output<Res>> {
    const parent = opts.context ?? context.active();
    const span = busTracer.startSpan(contract.subject, { kind: SpanKind.CLIENT, attributes: rpcAttributes(contract) }, parent);
    const timed = timeRequest(contract.subject);
    try {
      const result = await this.#request(contract, payload, opts.timeoutMs ?? this.#timeoutMs, traceHeaders(trace.setSpan(parent, span)));
      timed('ok');
      return result;
    } catch (err) {
      timed(err instanceof ServiceUnavailableError ? 'unavailable' : 'error');
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  async #request<Req extends z.ZodType, Res extends z.ZodType>(
    contract: EndpointContract<Req, Res>,
    payload: z.input<Req>,
    timeout: number,
    headers: MsgHdrs | undefined,
  ): Promise<z.output<Res>> {
    let reply;
    try {
      await endOfTurn();
      reply = await this.#inbox.request(contract.subject, encodeJson(payload), { timeout, headers });
    } catch (err) {
      throw toUnavailable(contract.service, timeout, err, isBusDown(this.#nc));
    }
    let body: unknown;
    try {
      body = decodeJson(reply.data);
    } catch (err) {
      throw new InternalError(`The ${contract.service} service sent a reply that is not JSON.`, { cause: err });
    }
    if (reply.headers?.get(ERROR_CODE_HEADER)) {
      throw gatewayErrorFromJSON(body as { code: string; message: string });
    }
    const parsed = contract.Response.safeParse(body);
    if (!parsed.success) {
      throw new InternalError(`The ${contract.service} service sent a reply that does not match its contract.`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /**
   * Sends a request to an endpoint without waiting for (or asking for) a reply: for notices on the hot
   * path whose loss the service tolerates, e.g. releasing a quota lease that would otherwise expire. NATS
   * buffers the message while it reconnects; nothing is thrown.
   */
  notify<Req extends z.ZodType>(contract: EndpointContract<Req>, payload: z.input<Req>): void {
    const data = encodeJson(payload);
    const headers = traceHeaders();
    void endOfTurn().then(() => {
      if (!this.#nc.isClosed() && !this.#nc.isDraining()) this.#nc.publish(contract.subject, data, { headers });
    });
  }
}

/** `busDown`: the connection to NATS was lost when the request failed, which then says why. */
function toUnavailable(service: string, timeoutMs: number, err: unknown, busDown: boolean): GatewayError {
  if (err instanceof natsErrors.NoRespondersError) {
    return new ServiceUnavailableError(service, `The ${service} service is not available: no instance is running.`, {
      cause: err,
    });
  }
  if (busDown) {
    return new ServiceUnavailableError(service, `The ${service} service could not be reached: the gateway has lost its connection to NATS, its message bus.`, {
      cause: err,
    });
  }
  if (err instanceof natsErrors.TimeoutError) {
    return new ServiceUnavailableError(service, `The ${service} service did not answer within ${timeoutMs} ms.`, {
      cause: err,
    });
  }
  return new ServiceUnavailableError(service, `The ${service} service could not be reached: the message bus is unavailable.`, {
    cause: err,
  });
}
