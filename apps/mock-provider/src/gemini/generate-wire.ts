import type { ChatReply } from '../openai/chat-reply';

/**
 * The Gemini API's `generateContent` wire format for a planned reply: a `GenerateContentResponse`, and for
 * `streamGenerateContent?alt=sse` a series of partial ones as `data:` events ending in `\r\n\r\n`, as the
 * API frames them. A function call is never split: Gemini sends it whole.
 * https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */

const FINISH_REASONS = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' } as const;

export interface GenerateEnvelope {
  model: string;
  responseId: string;
  candidates: number;
}

function usageMetadata(reply: ChatReply, candidates: number, done: boolean) {
  const output = done ? reply.completionTokens * candidates : 0;
  return {
    promptTokenCount: reply.promptTokens,
    ...(done ? { candidatesTokenCount: output } : {}),
    totalTokenCount: reply.promptTokens + output,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: reply.promptTokens }],
  };
}

function callPart(reply: ChatReply) {
  let args: unknown;
  try {
    args = JSON.parse(reply.pieces.join(''));
  } catch {
    args = {};
  }
  return { functionCall: { name: reply.toolName, args } };
}

export function renderResponse(reply: ChatReply, env: GenerateEnvelope): string {
  const parts = reply.toolName === undefined ? [{ text: reply.pieces.join('') }] : [callPart(reply)];
  const candidates = Array.from({ length: env.candidates }, (_, index) => ({
    content: { parts, role: 'model' },
    finishReason: FINISH_REASONS[reply.finishReason],
    index,
  }));
  return JSON.stringify({ candidates, usageMetadata: usageMetadata(reply, env.candidates, true), modelVersion: env.model, responseId: env.responseId });
}

/** The partial responses of a stream, as JSON texts: one per text piece, or one whole function call. */
export function renderChunks(reply: ChatReply, env: GenerateEnvelope): string[] {
  const steps: unknown[][] = reply.toolName === undefined ? reply.pieces.map((piece) => [{ text: piece }]) : [[callPart(reply)]];
  if (steps.length === 0) steps.push([{ text: '' }]);
  return steps.map((parts, i) => {
    const last = i === steps.length - 1;
    const candidates = Array.from({ length: env.candidates }, (_, index) => ({
      content: { parts, role: 'model' },
      ...(last ? { finishReason: FINISH_REASONS[reply.finishReason] } : {}),
      index,
    }));
    return JSON.stringify({ candidates, usageMetadata: usageMetadata(reply, env.candidates, last), modelVersion: env.model, responseId: env.responseId });
  });
}

export const sseEvents = (chunks: readonly string[]) => chunks.map((chunk) => `data: ${chunk}\r\n\r\n`);
