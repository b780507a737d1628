import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { context, trace, type Context } from '@opentelemetry/api';
import { SpanKind, withSpan } from '@aigw/telemetry';
import { decodeJson, encodeJson } from './codec';
import { ReplyInbox } from './reply-inbox';
import { busTracer, messagingAttributes, traceHeaders } from './trace-context';

/** Deadline for JetStream's acknowledgement, number of milliseconds: nats.js's own default. */
const DEFAULT_ACK_TIMEOUT_MS = 5_000;

/** What JetStream answers to a publish: where it stored the message, or why it did not. */
interface PubAck {
  stream?: string;
  duplicate?: boolean;
  error?: { code: number; err_code?: number; description: string };
}

/** JetStream refused an event or answered with something that is not an acknowledgement. */
export class JetStreamPublishError extends Error {
  override readonly name = 'JetStreamPublishError';
  /** JetStream's error code (e.g. 10077, the stream is full and takes no more), when it gave one. */
  readonly errCode: number | undefined;

  constructor(message: string, errCode?: number) {
    super(message);
    this.errCode = errCode;
  }
}

/**
 * Publishes events to JetStream, each with its id as `Nats-Msg-Id` so that a repeated publish is stored
 * once. A JetStream publish is a request to the stream's subject that the server answers with an ack;
 * sending it over a `ReplyInbox` instead of `js.publish` spares the `RequestError` (an error with a
 * captured stack) that nats.js makes for every answered request. With no stream on the subject, or no
 * JetStream, it fails at once with nats.js's `NoRespondersError`.
 */
export class EventPublisher {
  readonly #inbox: ReplyInbox;
  readonly #timeoutMs: number;

  constructor(nc: NatsConnection, opts: { ackTimeoutMs?: number } = {}) {
    this.#inbox = new ReplyInbox(nc);
    this.#timeoutMs = opts.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  }

  /**
   * Publishes `event` as a producer span (in `parent`'s trace, the active one by default) whose trace
   * context the message's headers carry to whoever consumes it. Resolves once JetStream stored it, saying
   * whether it already held an event with this id.
   */
  publish(subject: string, event: unknown, msgID: string, parent: Context = context.active()): Promise<{ duplicate: boolean }> {
    const attributes = messagingAttributes(subject, { 'messaging.operation.type': 'send', 'messaging.message.id': msgID });
    return withSpan(
      busTracer,
      `publish ${subject}`,
      { kind: SpanKind.PRODUCER, attributes },
      async (span) => {
        const headers = natsHeaders();
        headers.set('Nats-Msg-Id', msgID);
        traceHeaders(trace.setSpan(parent, span), headers);
        const reply = await this.#inbox.request(subject, encodeJson(event), { timeout: this.#timeoutMs, headers });
        const duplicate = acknowledged(reply.data);
        if (duplicate) span.setAttribute('messaging.nats.duplicate', true);
        return { duplicate };
      },
      parent,
    );
  }
}

/** Whether the ack `data` reports a duplicate; throws if it is a refusal or not an ack at all. */
function acknowledged(data: Uint8Array): boolean {
  let ack: PubAck;
  try {
    ack = decodeJson(data) as PubAck;
  } catch {
    throw new JetStreamPublishError('JetStream answered the publish with something that is not JSON.');
  }
  if (ack.error) throw new JetStreamPublishError(`JetStream refused the event: ${ack.error.description}`, ack.error.err_code);
  if (!ack.stream) throw new JetStreamPublishError('JetStream answered the publish without naming a stream.');
  return ack.duplicate === true;
}
