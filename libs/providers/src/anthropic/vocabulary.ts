import type { FinishReason } from '../openai/chat.wire';
import type { StopReason } from './messages.wire';

/**
 * Anthropic's words for what OpenAI's format calls otherwise, each way.
 */

/**
 * Why generation stopped.
 * https://docs.anthropic.com/en/api/handling-stop-reasons
 * https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export const finishReasonOfStopReason: Readonly<Record<StopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  /** A server tool loop paused; the turn is over as far as the client is concerned. */
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export const stopReasonOfFinishReason: Readonly<Record<FinishReason, StopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/**
 * Error `type` by HTTP status, both for reading Anthropic's errors and for writing the gateway's own to
 * Messages clients. https://docs.anthropic.com/en/api/errors#http-errors
 */
const errorTypeByStatus: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  413: 'request_too_large',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return errorTypeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}
