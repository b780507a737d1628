import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { tracerFor, type Attributes } from '@aigw/telemetry';
import type { EndpointContract } from './contract';

/** Spans of bus requests, answers, publishes and consumed messages. */
export const busTracer = tracerFor('bus');

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
/** What is read of a message's headers; structural, since the services framework bundles its own NATS client types. */
type ReadableHeaders = Pick<MsgHdrs, 'keys'> & { get(key: string): string };

const getter: TextMapGetter<ReadableHeaders> = {
  // MsgHdrs answers '' for a missing header; the propagator wants undefined.
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: (carrier) => carrier.keys(),
};

/**
 * W3C trace context (`traceparent`, `tracestate`) of `ctx` as NATS message headers, added to `into` if
 * given. Undefined when there is no trace to pass on (tracing not started): such messages carry no headers.
 */
export function traceHeaders(ctx: Context = context.active(), into?: MsgHdrs): MsgHdrs | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return into;
  const carrier = into ?? natsHeaders();
  propagation.inject(ctx, carrier, setter);
  return carrier;
}

/** The trace context a message's headers carry; the root context (a new trace) when they carry none. */
export function traceContextOf(carrier: ReadableHeaders | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier, getter) : ROOT_CONTEXT;
}

/** Span attributes of a bus operation on `subject`. */
export function messagingAttributes(subject: string, extra: Attributes = {}): Attributes {
  return { 'messaging.system': 'nats', 'messaging.destination.name': subject, ...extra };
}

const rpcAttributesCache = new WeakMap<EndpointContract, Attributes>();

/** Span attributes of an endpoint, made once per contract. */
export function rpcAttributes(contract: EndpointContract): Attributes {
  let attributes = rpcAttributesCache.get(contract);
  if (!attributes) {
    attributes = messagingAttributes(contract.subject, { 'rpc.system': 'nats', 'rpc.service': contract.service, 'rpc.method': contract.subject.split('.').at(-1)! });
    rpcAttributesCache.set(contract, attributes);
  }
  return attributes;
}
