import { UpstreamError } from '@aigw/contracts';
import type { ChatChunk, FinishReason } from '../openai/chat.wire';
import type { SseMessage } from '../stream/sse-event';
import type { StreamTransform } from '../translate/stream';
import { callId, completionId, finishOf, nowSeconds, parseGenerateContent, partsOf } from './chat.response';
import type { UsageMetadata } from './generate.wire';
import { chatUsageOfGemini } from './usage';

export interface GeminiChunksState {
  id: string | undefined;
  model: string;
  created: number;
  /** Candidates whose role chunk went out. */
  opened: Set<number>;
  /** Tool calls made so far, per candidate. */
  calls: Map<number, number>;
  finished: Set<number>;
  usage: UsageMetadata | undefined;
}

type Choice = ChatChunk['choices'][number];

/**
 * `streamGenerateContent?alt=sse` events as OpenAI chunks. Each event is a partial
 * `GenerateContentResponse`: a candidate's first event opens its choice, text parts become content
 * deltas, each function call (Gemini sends it whole) one tool call with its complete arguments, the
 * finish reason the finishing chunk. Usage metadata is cumulative; the last one seen becomes the usage
 * chunk when the stream ends. A stream that ends before any candidate finished broke off.
 * https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export const geminiChunks: StreamTransform<SseMessage, ChatChunk, GeminiChunksState> = {
  start: () => ({ id: undefined, model: '', created: nowSeconds(), opened: new Set(), calls: new Map(), finished: new Set(), usage: undefined }),

  step(input, state) {
    if (input.data === '') return [];
    const response = parseGenerateContent(input.data);
    state.id ??= completionId(response);
    if (response.modelVersion) state.model = response.modelVersion;
    if (response.usageMetadata) state.usage = response.usageMetadata;
    const choices: Choice[] = [];
    const candidates = response.candidates ?? [];
    candidates.forEach((candidate, position) => {
      const index = candidate.index ?? position;
      if (!state.opened.has(index)) {
        state.opened.add(index);
        choices.push({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
      }
      const { text, calls } = partsOf(candidate);
      if (text !== '') choices.push({ index, delta: { content: text }, logprobs: null, finish_reason: null });
      for (const call of calls) {
        const n = state.calls.get(index) ?? 0;
        state.calls.set(index, n + 1);
        const delta = { tool_calls: [{ index: n, id: call.id ?? callId(), type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.args) } }] };
        choices.push({ index, delta, logprobs: null, finish_reason: null });
      }
      const finish: FinishReason | null = finishOf(candidate, (state.calls.get(index) ?? 0) > 0);
      if (candidate.finishReason && finish) {
        state.finished.add(index);
        choices.push({ index, delta: {}, logprobs: null, finish_reason: finish });
      }
    });
    if (candidates.length === 0 && response.promptFeedback?.blockReason) {
      state.finished.add(0);
      choices.push({ index: 0, delta: {}, logprobs: null, finish_reason: 'content_filter' });
    }
    return choices.map((choice) => ({ id: state.id!, object: 'chat.completion.chunk', created: state.created, model: state.model, choices: [choice] }));
  },

  finish(state) {
    if (state.finished.size === 0) throw new UpstreamError('The gemini upstream stream ended before any candidate finished.');
    if (!state.usage) return [];
    return [{ id: state.id!, object: 'chat.completion.chunk', created: state.created, model: state.model, choices: [], usage: chatUsageOfGemini(state.usage) }];
  },
};
