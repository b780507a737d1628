import { parseSseEvent, type SseMessage } from '../stream/sse-event';
import type { ChatChunk } from '../openai/chat.wire';
import { tokenUsageOf } from '../openai/usage';
import type { StreamTranslator, TokenUsage } from '../types';

/**
 * A stream transform as pure functions: `step` maps one input and the state so far to the outputs it
 * causes, `finish` maps the end of the input to the last outputs. The state is the transform's own
 * object, made by `start`; nothing else is touched, so each transform is tested event by event.
 * `finish` throws `UpstreamError` when the input ended before its terminal event.
 */
export interface StreamTransform<In, Out, State> {
  start(): State;
  step(input: In, state: State): Out[];
  finish(state: State): Out[];
}

/** A transform bound to a fresh state: what a composition holds, its state type out of sight. */
export interface Pipe<In, Out> {
  step(input: In): Out[];
  finish(): Out[];
}

export function bind<In, Out, State>(transform: StreamTransform<In, Out, State>): Pipe<In, Out> {
  const state = transform.start();
  return { step: (input) => transform.step(input, state), finish: () => transform.finish(state) };
}

/** Upstream events to pivot chunks (one per upstream format). */
export type UpstreamChunks = Pipe<SseMessage, ChatChunk>;
/** Pivot chunks to the client's SSE text (one per client format). */
export type ClientEvents = Pipe<ChatChunk, string>;

/**
 * Upstream events → pivot chunks → the client's events, one upstream event at a time. Usage is read off
 * the pivot chunks as they pass, so the proxy learns it whatever the two formats are.
 */
export function translateStream(upstream: UpstreamChunks, client: ClientEvents): StreamTranslator {
  let usage: TokenUsage | undefined;
  const emit = (chunks: ChatChunk[]): string => {
    let out = '';
    for (const chunk of chunks) {
      if (chunk.usage) usage = tokenUsageOf(chunk.usage);
      for (const text of client.step(chunk)) out += text;
    }
    return out;
  };
  return {
    push: (event) => emit(upstream.step(parseSseEvent(event))),
    end: () => emit(upstream.finish()) + client.finish().join(''),
    get usage() {
      return usage;
    },
  };
}
