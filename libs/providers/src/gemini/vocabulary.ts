import type { FinishReason } from '../openai/chat.wire';
import type { GeminiFinishReason } from './generate.wire';

/**
 * Why a candidate stopped, in OpenAI's words. Every refusal on safety or policy grounds is OpenAI's
 * `content_filter`.
 * https://ai.google.dev/api/generate-content#FinishReason
 * https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export const finishReasonOfGemini: Readonly<Record<GeminiFinishReason, FinishReason>> = {
  FINISH_REASON_UNSPECIFIED: 'stop',
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  OTHER: 'stop',
  MALFORMED_FUNCTION_CALL: 'stop',
  UNEXPECTED_TOOL_CALL: 'stop',
};

/**
 * Google's canonical error statuses as OpenAI-style error codes.
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 * https://platform.openai.com/docs/guides/error-codes#api-errors
 */
export const errorCodeOfStatus: Readonly<Record<string, string>> = {
  INVALID_ARGUMENT: 'invalid_argument',
  FAILED_PRECONDITION: 'failed_precondition',
  UNAUTHENTICATED: 'invalid_api_key',
  PERMISSION_DENIED: 'permission_denied',
  NOT_FOUND: 'model_not_found',
  RESOURCE_EXHAUSTED: 'rate_limit_exceeded',
  INTERNAL: 'internal_error',
  UNAVAILABLE: 'service_unavailable',
  DEADLINE_EXCEEDED: 'timeout',
};
