import { UpstreamError } from '@aigw/contracts';
import type { ChatChunk, FinishReason, ToolCallDelta } from '../openai/chat.wire';
import type { SseMessage } from '../stream/sse-event';
import type { StreamTransform } from '../translate/stream';
import { malformed, parseUpstreamJson } from '../translate/upstream-json';
import { nowSeconds } from './chat.response';
import type { MessagesUsage, StopReason, StreamEvent } from './messages.wire';
import { chatUsageOfMessages, mergeUsage } from './usage';
import { finishReasonOfStopReason } from './vocabulary';

export interface AnthropicChunksState {
  id: string;
  model: string;
  created: number;
  /** OpenAI's tool call index for each Anthropic content block that is a `tool_use`. */
  toolIndexOfBlock: Map<number, number>;
  usage: MessagesUsage | undefined;
  finish: FinishReason | null;
  stopped: boolean;
}

function chunk(state: AnthropicChunksState, delta: ChatChunk['choices'][number]['delta'], finish: FinishReason | null = null): ChatChunk {
  return {
    id: state.id,
    object: 'chat.completion.chunk',
    created: state.created,
    model: state.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

const toolDelta = (state: AnthropicChunksState, call: ToolCallDelta) => chunk(state, { tool_calls: [call] });

/**
 * Anthropic's stream events as OpenAI chunks, one event at a time:
 * `message_start` → the role chunk; a `text` block's deltas → content; a `tool_use` block → a tool call
 * (id and name first, then each `input_json_delta` as an argument fragment, so arguments stream as they
 * are generated); `message_delta` → the finish reason; `message_stop` → the usage chunk. `ping`, thinking
 * and signature deltas give nothing; an `error` event ends the stream with the upstream's message.
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export const anthropicChunks: StreamTransform<SseMessage, ChatChunk, AnthropicChunksState> = {
  start: () => ({ id: '', model: '', created: nowSeconds(), toolIndexOfBlock: new Map(), usage: undefined, finish: null, stopped: false }),

  step(input, state) {
    if (input.data === '') return [];
    const event = parseUpstreamJson(input.data, 'anthropic') as unknown as StreamEvent;
    switch (event.type) {
      case 'message_start':
        state.id = event.message?.id ?? '';
        state.model = event.message?.model ?? '';
        state.usage = mergeUsage(undefined, event.message?.usage);
        return [chunk(state, { role: 'assistant', content: '' })];
      case 'content_block_start': {
        const block = event.content_block;
        if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') return [chunk(state, { content: block.text })];
        if (block?.type !== 'tool_use') return [];
        const index = state.toolIndexOfBlock.size;
        state.toolIndexOfBlock.set(event.index, index);
        const { id, name } = block as { id: string; name: string };
        return [toolDelta(state, { index, id, type: 'function', function: { name, arguments: '' } })];
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta') return [chunk(state, { content: delta.text })];
        if (delta?.type !== 'input_json_delta') return [];
        const index = state.toolIndexOfBlock.get(event.index);
        if (index === undefined) throw malformed('anthropic', 'tool input for a block that is not a tool_use');
        return delta.partial_json === '' ? [] : [toolDelta(state, { index, function: { arguments: delta.partial_json } })];
      }
      case 'message_delta': {
        state.usage = mergeUsage(state.usage, event.usage);
        const stop = event.delta?.stop_reason as StopReason | null | undefined;
        if (!stop) return [];
        state.finish = finishReasonOfStopReason[stop] ?? 'stop';
        return [chunk(state, {}, state.finish)];
      }
      case 'message_stop':
        state.stopped = true;
        return state.usage ? [{ ...chunk(state, {}), choices: [], usage: chatUsageOfMessages(state.usage) }] : [];
      case 'error':
        throw new UpstreamError(`The anthropic upstream failed mid-stream: ${event.error?.message ?? 'unknown error'}`);
      default:
        return [];
    }
  },

  finish(state) {
    if (!state.stopped) throw new UpstreamError('The anthropic upstream stream ended before message_stop.');
    return [];
  },
};
