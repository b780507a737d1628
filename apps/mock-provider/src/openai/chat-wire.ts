import type { ChatReply } from './chat-reply';

/**
 * OpenAI's chat wire format for a planned reply: the `chat.completion` object and the
 * `chat.completion.chunk` event stream, field for field as the API sends them.
 * https://platform.openai.com/docs/api-reference/chat/object
 * https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */

export const SYSTEM_FINGERPRINT = 'fp_mock';
export const DONE_EVENT = 'data: [DONE]\n\n';

/** What identifies one answer on the wire. */
export interface ChatEnvelope {
  /** `chatcmpl-…` */
  id: string;
  /** Unix time, number of seconds. */
  created: number;
  /** The model the request named. */
  model: string;
  /** Number of choices. */
  n: number;
  /** One `call_…` id per choice; used when the reply calls a tool. */
  callIds: readonly string[];
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** Usage of the whole answer: every choice's completion tokens count. */
export function chatUsage(reply: ChatReply, n: number): ChatUsage {
  const completion = reply.completionTokens * n;
  return {
    prompt_tokens: reply.promptTokens,
    completion_tokens: completion,
    total_tokens: reply.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function renderCompletion(reply: ChatReply, env: ChatEnvelope): string {
  const joined = reply.pieces.join('');
  const choices = [];
  for (let index = 0; index < env.n; index++) {
    const message =
      reply.toolName === undefined
        ? { role: 'assistant', content: joined, refusal: null, annotations: [] }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: env.callIds[index], type: 'function', function: { name: reply.toolName, arguments: joined } }],
            refusal: null,
            annotations: [],
          };
    choices.push({ index, message, logprobs: null, finish_reason: reply.finishReason });
  }
  return JSON.stringify({
    id: env.id,
    object: 'chat.completion',
    created: env.created,
    model: env.model,
    choices,
    usage: chatUsage(reply, env.n),
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
}

/**
 * The stream as complete SSE events, `[DONE]` last. Per choice: an opening delta (role, or role and the
 * tool call's id and name), one delta per piece, then an empty delta with the finish reason; choices are
 * interleaved step by step as the API does for `n` > 1. With `includeUsage`, every chunk carries
 * `"usage":null` and a last chunk with no choices carries the usage. Only the pieces are serialised per
 * request; the rest is template text.
 */
/** How many of `renderChunks`' events close the stream: the finish chunks, the usage chunk, `[DONE]`. */
export const closingChunks = (env: ChatEnvelope, includeUsage: boolean): number => env.n + (includeUsage ? 1 : 0) + 1;

export function renderChunks(reply: ChatReply, env: ChatEnvelope, includeUsage: boolean): string[] {
  const head =
    `data: {"id":"${env.id}","object":"chat.completion.chunk","created":${env.created},` +
    `"model":${JSON.stringify(env.model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  const tail = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const choiceTail = '},"logprobs":null,"finish_reason":null}';
  const { n } = env;
  const events: string[] = [];

  const name = reply.toolName === undefined ? undefined : JSON.stringify(reply.toolName);
  for (let c = 0; c < n; c++) {
    const opening =
      name === undefined
        ? '{"role":"assistant","content":"","refusal":null'
        : `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${env.callIds[c]}","type":"function","function":{"name":${name},"arguments":""}}],"refusal":null`;
    events.push(`${head}{"index":${c},"delta":${opening}${choiceTail}${tail}`);
  }
  for (const piece of reply.pieces) {
    const text = JSON.stringify(piece);
    const delta = name === undefined ? `{"content":${text}` : `{"tool_calls":[{"index":0,"function":{"arguments":${text}}}]`;
    for (let c = 0; c < n; c++) events.push(`${head}{"index":${c},"delta":${delta}${choiceTail}${tail}`);
  }
  for (let c = 0; c < n; c++) {
    events.push(`${head}{"index":${c},"delta":{},"logprobs":null,"finish_reason":"${reply.finishReason}"}${tail}`);
  }
  if (includeUsage) events.push(`${head}],"usage":${JSON.stringify(chatUsage(reply, n))}}\n\n`);
  events.push(DONE_EVENT);
  return events;
}
