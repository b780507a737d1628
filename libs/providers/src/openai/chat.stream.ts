import { UpstreamError } from '@aigw/contracts';
import { sseEvent, type SseMessage } from '../stream/sse-event';
import type { StreamTransform } from '../translate/stream';
import { parseUpstreamJson } from '../translate/upstream-json';
import type { ChatChunk } from './chat.wire';

export interface OpenAIChunksState {
  /** `data: [DONE]` arrived. */
  done: boolean;
  /** A choice finished; servers that omit `[DONE]` still ended properly then. */
  finished: boolean;
}

/**
 * An OpenAI-format upstream's events as chunks, for a client of another format. `[DONE]` ends the stream,
 * an event with an `error` object (how OpenAI reports a failure mid-stream) ends it with that message,
 * and a stream that stops before any choice finished broke off.
 * https://platform.openai.com/docs/api-reference/chat-streaming
 */
export const openaiChunks: StreamTransform<SseMessage, ChatChunk, OpenAIChunksState> = {
  start: () => ({ done: false, finished: false }),
  step(input, state) {
    if (input.data === '') return [];
    if (input.data === '[DONE]') {
      state.done = true;
      return [];
    }
    const chunk = parseUpstreamJson(input.data, 'OpenAI-format') as unknown as ChatChunk & { error?: { message?: unknown } };
    if (chunk.error) {
      throw new UpstreamError(`The upstream failed mid-stream: ${typeof chunk.error.message === 'string' ? chunk.error.message : 'unknown error'}`);
    }
    if (!Array.isArray(chunk.choices)) chunk.choices = [];
    if (chunk.choices.some((c) => c?.finish_reason)) state.finished = true;
    return [chunk];
  },
  finish(state) {
    if (!state.done && !state.finished) throw new UpstreamError('The upstream stream ended before it finished.');
    return [];
  },
};

export interface OpenAIEventsState {
  /** The client asked for the usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
}

/**
 * Chunks as OpenAI's SSE events for an OpenAI client served by another provider: one `data:` event per
 * chunk, the usage-only chunk only when the client asked for it, `data: [DONE]` last.
 */
export function openaiEvents(includeUsage: boolean): StreamTransform<ChatChunk, string, OpenAIEventsState> {
  return {
    start: () => ({ includeUsage }),
    step(chunk, state) {
      const usageOnly = chunk.choices.length === 0;
      if (usageOnly && !state.includeUsage) return [];
      const out = state.includeUsage ? { ...chunk, usage: chunk.usage ?? null } : chunk;
      return [sseEvent(JSON.stringify(out))];
    },
    finish: () => [sseEvent('[DONE]')],
  };
}
