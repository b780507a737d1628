import { randomBytes } from 'node:crypto';
import type { ChatCompletion, FinishReason, ToolCall } from '../openai/chat.wire';
import { malformed, parseUpstreamJson } from '../translate/upstream-json';
import type { Candidate, GenerateContentResponse } from './generate.wire';
import { chatUsageOfGemini } from './usage';
import { finishReasonOfGemini } from './vocabulary';

/** Gemini's function calls carry no id the OpenAI format could use; the gateway makes one per call. */
export const callId = () => `call_${randomBytes(12).toString('hex')}`;

export const completionId = (response: GenerateContentResponse) =>
  `chatcmpl-${response.responseId ?? randomBytes(12).toString('hex')}`;

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function parseGenerateContent(body: Buffer | string): GenerateContentResponse {
  const response = parseUpstreamJson(body, 'gemini') as GenerateContentResponse & { error?: { message?: unknown } };
  if (response.error) {
    throw malformed('gemini', `an error: ${typeof response.error.message === 'string' ? response.error.message : 'unknown'}`);
  }
  if (response.candidates !== undefined && !Array.isArray(response.candidates)) throw malformed('gemini', 'candidates that are not a list');
  return response;
}

/** A candidate's finish reason in OpenAI's words: any function call makes it `tool_calls`. */
export function finishOf(candidate: Candidate, calledTools: boolean): FinishReason | null {
  if (calledTools && (candidate.finishReason === 'STOP' || candidate.finishReason === undefined)) return 'tool_calls';
  return candidate.finishReason ? (finishReasonOfGemini[candidate.finishReason] ?? 'stop') : null;
}

/** The text (thoughts left out) and function calls of a candidate's parts. */
export function partsOf(candidate: Candidate): { text: string; calls: Array<{ name: string; args: unknown; id?: string }> } {
  let text = '';
  const calls: Array<{ name: string; args: unknown; id?: string }> = [];
  for (const part of candidate.content?.parts ?? []) {
    if ('text' in part && typeof part.text === 'string' && !part.thought) text += part.text;
    else if ('functionCall' in part && part.functionCall) calls.push({ name: part.functionCall.name, args: part.functionCall.args ?? {}, id: part.functionCall.id });
  }
  return { text, calls };
}

/**
 * A `generateContent` answer as a `chat.completion`: one choice per candidate, text parts joined, function
 * calls as tool calls. A prompt blocked before any candidate answers with an empty `content_filter` choice.
 * https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */
export function toChatCompletion(response: GenerateContentResponse): ChatCompletion {
  const candidates = response.candidates ?? [];
  const choices: ChatCompletion['choices'] = candidates.map((candidate, position) => {
    const { text, calls } = partsOf(candidate);
    const toolCalls: ToolCall[] = calls.map((call) => ({
      id: call.id ?? callId(),
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    return {
      index: candidate.index ?? position,
      message: {
        role: 'assistant',
        content: text === '' && toolCalls.length > 0 ? null : text,
        refusal: null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      },
      logprobs: null,
      finish_reason: finishOf(candidate, toolCalls.length > 0) ?? 'stop',
    };
  });
  if (choices.length === 0 && response.promptFeedback?.blockReason) {
    choices.push({ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' });
  }
  if (choices.length === 0) throw malformed('gemini', 'no candidate');
  return {
    id: completionId(response),
    object: 'chat.completion',
    created: nowSeconds(),
    model: response.modelVersion ?? '',
    choices,
    ...(response.usageMetadata ? { usage: chatUsageOfGemini(response.usageMetadata) } : {}),
  };
}
