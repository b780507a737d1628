import type { ChatChunk } from '../openai/chat.wire';
import { tokenUsageOf } from '../openai/usage';
import { sseEvent } from '../stream/sse-event';
import type { StreamTransform } from '../translate/stream';
import type { Message, StopReason, StreamEvent } from './messages.wire';
import { messageId } from './messages.response';
import { messagesUsageOfTokens } from './usage';
import { stopReasonOfFinishReason } from './vocabulary';

/** The content block being written: text, or the tool call with this OpenAI index. */
type OpenBlock = { kind: 'text' } | { kind: 'tool'; call: number };

export interface AnthropicEventsState {
  started: boolean;
  /** Index of the last block opened; -1 before the first. */
  block: number;
  open: OpenBlock | undefined;
  /** Anthropic block index of each OpenAI tool call index. */
  blockOfCall: Map<number, number>;
  stop: StopReason | null;
  usage: ChatChunk['usage'];
}

const event = (data: StreamEvent) => sseEvent(JSON.stringify(data), data.type);

function start(state: AnthropicEventsState, chunk: ChatChunk | undefined, out: string[]): void {
  if (state.started) return;
  state.started = true;
  const message: Message = {
    id: messageId(chunk?.id ?? 'gateway'),
    type: 'message',
    role: 'assistant',
    model: chunk?.model ?? '',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    // Most upstreams report usage only at the end; the totals go out with message_delta.
    usage: { input_tokens: 0, output_tokens: 0 },
  };
  out.push(event({ type: 'message_start', message }));
}

function close(state: AnthropicEventsState, out: string[]): void {
  if (!state.open) return;
  out.push(event({ type: 'content_block_stop', index: state.block }));
  state.open = undefined;
}

function open(state: AnthropicEventsState, block: OpenBlock, contentBlock: Message['content'][number], out: string[]): void {
  close(state, out);
  state.block += 1;
  state.open = block;
  out.push(event({ type: 'content_block_start', index: state.block, content_block: contentBlock }));
}

/**
 * OpenAI chunks as Anthropic's stream events, for a Messages client served by another provider: the first
 * chunk opens the message; content opens a text block; a tool call's first fragment (the one with its id)
 * opens a `tool_use` block and later fragments become `input_json_delta`s, so arguments stream as they
 * come; the finish reason closes the open block. At the end, `message_delta` carries the stop reason and
 * the usage totals, then `message_stop`. Only the first choice is followed (Messages has no `n`).
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export const anthropicEvents: StreamTransform<ChatChunk, string, AnthropicEventsState> = {
  start: () => ({ started: false, block: -1, open: undefined, blockOfCall: new Map(), stop: null, usage: undefined }),

  step(chunk, state) {
    const out: string[] = [];
    start(state, chunk, out);
    if (chunk.usage) state.usage = chunk.usage;
    const choice = chunk.choices?.find((c) => c.index === 0);
    if (!choice) return out;
    const { content, tool_calls: calls } = choice.delta ?? {};
    if (typeof content === 'string' && content !== '') {
      if (state.open?.kind !== 'text') open(state, { kind: 'text' }, { type: 'text', text: '' }, out);
      out.push(event({ type: 'content_block_delta', index: state.block, delta: { type: 'text_delta', text: content } }));
    }
    for (const call of calls ?? []) {
      if (call.id !== undefined) {
        open(state, { kind: 'tool', call: call.index }, { type: 'tool_use', id: call.id, name: call.function?.name ?? '', input: {} }, out);
        state.blockOfCall.set(call.index, state.block);
      }
      const args = call.function?.arguments;
      const index = state.blockOfCall.get(call.index);
      if (args && index !== undefined) {
        out.push(event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } }));
      }
    }
    if (choice.finish_reason) {
      state.stop = stopReasonOfFinishReason[choice.finish_reason] ?? 'end_turn';
      close(state, out);
    }
    return out;
  },

  finish(state) {
    const out: string[] = [];
    start(state, undefined, out);
    close(state, out);
    const usage = messagesUsageOfTokens(tokenUsageOf(state.usage) ?? { promptTokens: 0, completionTokens: 0, cachedTokens: 0 });
    out.push(event({ type: 'message_delta', delta: { stop_reason: state.stop ?? 'end_turn', stop_sequence: null }, usage }));
    out.push(event({ type: 'message_stop' }));
    return out;
  },
};
