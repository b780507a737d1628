import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ErrorCode, UpstreamError } from '@aigw/contracts';
import {
  clientFormats,
  SseFramer,
  type ClientFormat,
  type OperationAdapter,
  type OpenAIErrorBody,
  type StreamTranslator,
  type TokenUsage,
} from '@aigw/providers';

export interface RelaySource {
  body: Readable;
  /** The chunk `callUpstream` already took off `body`; null when the stream ended without one. */
  first: Buffer | null;
  adapter: OperationAdapter;
  /** Usage-only events were asked for by the gateway, not the client: keep them from the client. */
  usageAdded: boolean;
  /** Turns the upstream's events into the client's format when the two differ; absent: the bytes pass through. */
  translator?: StreamTranslator;
  /** The client's format, for the in-band error event that ends a broken stream; OpenAI's by default. */
  format?: ClientFormat;
}

export interface RelayHooks {
  /** The first event bytes are about to be written to the client. */
  onFirstByte(): void;
  /**
   * The stream is as good as over: its final event is about to be written, or the upstream ended (or broke)
   * and the response's last bytes follow. Called at least once before the response ends; may be called
   * again. A completing stream waits for the promise before writing its last bytes.
   */
  beforeEnd?(): Promise<void> | void;
  /** An event carried usage. Called before the response ends, so that its terminal event sees it. */
  onUsage(usage: TokenUsage): void;
  /** The upstream broke after the stream started; called before the in-band error ends the response. */
  onBroken(): void;
  /** Bytes were written to the client (metering counts them when the upstream reports no usage). */
  onDelivered?(bytes: Buffer): void;
  /** What a mid-stream upstream failure means, for the in-band error event. */
  describeFailure(err: unknown): { message: string; timeout: boolean };
}

export type RelayEnd = 'complete' | 'upstream_failed' | 'client_gone';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Reverse proxies such as nginx would otherwise buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/**
 * Relays an upstream SSE stream to the client as it arrives: each upstream chunk becomes one write of the
 * complete events in it, with no timer and no batching. When the client cannot keep up, the upstream is
 * paused until the client drains. Usage is read from the events that carry it. When the upstream speaks
 * another format than the client, each event goes through the translator instead. A stream that breaks
 * after it started ends with an in-band error event in the client's format (`data: {"error": ...}`, or
 * Anthropic's `event: error`) and without a normal end, so that clients see an error rather than a short
 * answer. An untranslated stream must end with its format's final event (`OperationAdapter.streamEnd`):
 * one cut off without it, or in the middle of an event, ends the same way, the half event withheld; one
 * that carried the upstream's own error event is relayed as it is and ends as failed. Lifecycle: headers →
 * data* → exactly one of complete, upstream_failed, client_gone.
 */
export function relaySse(res: ServerResponse, source: RelaySource, hooks: RelayHooks): Promise<RelayEnd> {
  const { body, adapter, usageAdded, translator } = source;
  const framer = new SseFramer();
  let wrote = false;

  return new Promise((resolve) => {
    let settled = false;
    const settle = (end: RelayEnd) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(end);
    };

    const write = (bytes: Buffer) => {
      if (!wrote) {
        wrote = true;
        hooks.onFirstByte();
      }
      hooks.onDelivered?.(bytes);
      if (!res.write(bytes)) {
        body.pause();
        res.once('drain', onDrain);
      }
    };

    let usage: TokenUsage | undefined;
    const translate = (events: Buffer[], ended: boolean) => {
      let text = '';
      for (const event of events) text += translator!.push(event);
      if (ended) text += translator!.end();
      if (translator!.usage) hooks.onUsage(translator!.usage);
      if (text.length > 0) write(Buffer.from(text));
    };

    /** Untranslated: whether the format's final event, or an in-band error event, went by. */
    let done = false;
    let upstreamError = false;
    /** The write of the final event, held until `beforeEnd` settled; the end waits for it. */
    let finalWrite: Promise<void> | undefined;
    const forward = (chunk: Buffer) => {
      const { events, bytes } = framer.push(chunk);
      if (translator) return translate(events, false);
      let kept: Buffer[] | undefined;
      let final = false;
      for (let i = 0; i < events.length; i += 1) {
        const event = events[i]!;
        const end = adapter.streamEnd(event);
        if (end === 'done') {
          done = true;
          final = true;
        } else if (end === 'error') upstreamError = true;
        const found = adapter.readEventUsage(event, usage);
        if (found) {
          usage = found.usage;
          hooks.onUsage(found.usage);
        }
        if (found?.usageOnly && usageAdded) kept ??= events.slice(0, i);
        else kept?.push(event);
      }
      const out = kept === undefined ? bytes : kept.length === 1 ? kept[0]! : Buffer.concat(kept);
      if (out.length === 0) return;
      const waiting = final ? hooks.beforeEnd?.() : undefined;
      if (!waiting) return write(out);
      // The client may act on the final event before the upstream's end reaches this process: it waits.
      body.pause();
      finalWrite = waiting.then(() => {
        if (settled) return;
        write(out);
        if (!res.writableNeedDrain) body.resume();
      });
    };

    const fail = (err: unknown) => {
      if (settled) return;
      if (res.destroyed) {
        settle('client_gone');
        return;
      }
      const { message, timeout } = hooks.describeFailure(err);
      const event: OpenAIErrorBody = {
        error: { message, type: 'server_error', param: null, code: timeout ? ErrorCode.UpstreamTimeout : ErrorCode.UpstreamError },
      };
      body.destroy();
      hooks.onBroken();
      hooks.beforeEnd?.();
      res.end(clientFormats[source.format ?? 'openai'].streamError(timeout ? 504 : 502, event));
      settle('upstream_failed');
    };

    function onData(chunk: Buffer) {
      try {
        forward(chunk);
      } catch (err) {
        fail(err);
      }
    }
    function onEnd() {
      const waiting = hooks.beforeEnd?.();
      if (waiting || finalWrite) void Promise.all([waiting, finalWrite]).then(finish);
      else finish();
    }
    function finish() {
      if (settled) return;
      const rest = framer.flush();
      if (translator) {
        try {
          translate(rest.length > 0 ? [rest] : [], true);
        } catch (err) {
          fail(err);
          return;
        }
      } else if (rest.length > 0 || !done) {
        // Cut off (half an event, or no final event): the client gets an error event, not the broken bytes.
        fail(new UpstreamError(rest.length > 0 ? 'The upstream stream broke off in the middle of an event' : 'The upstream stream ended without its final event'));
        return;
      } else if (upstreamError) {
        // The upstream's own error event already reached the client, in its format: the stream failed.
        hooks.describeFailure(new UpstreamError('The upstream ended its stream with an error event'));
        hooks.onBroken();
        res.end();
        settle('upstream_failed');
        return;
      }
      res.end();
      settle('complete');
    }
    function onDrain() {
      body.resume();
    }
    function onClose() {
      if (!res.writableFinished) settle('client_gone');
    }

    // Errors can still come after the relay settled (the abort on client disconnect destroys the body).
    body.on('error', fail);
    res.on('close', onClose);
    res.writeHead(200, SSE_HEADERS);
    if (source.first === null) {
      onEnd();
      return;
    }
    onData(source.first);
    if (settled) return;
    if (!wrote) res.flushHeaders();
    // A short stream can arrive whole with its first chunk: its 'end' was emitted while it was paused.
    if (body.readableEnded) {
      onEnd();
      return;
    }
    body.on('data', onData);
    body.on('end', onEnd);
    if (!res.writableNeedDrain) body.resume();
  });
}
