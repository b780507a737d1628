import type { ChatCompletion } from '../openai/chat.wire';
import { tokenUsageOf } from '../openai/usage';
import type { Message, ResponseBlock } from './messages.wire';
import { messagesUsageOfTokens } from './usage';
import { stopReasonOfFinishReason } from './vocabulary';

/** Anthropic's ids start `msg_`; a translated answer keeps the upstream's id behind that prefix. */
export function messageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

/** Tool arguments as Anthropic's `input` object; arguments that are not a JSON object (a model's slip) become `{}`. */
export function inputOf(args: string | undefined): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(args || '{}');
    return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A `chat.completion` as an Anthropic `message`: the first choice's text as a text block, its tool calls
 * as `tool_use` blocks, the finish reason as the stop reason, usage in Anthropic's terms.
 * https://docs.anthropic.com/en/api/messages#response
 */
export function toMessage(completion: ChatCompletion): Message {
  const choice = completion.choices[0];
  const content: ResponseBlock[] = [];
  const text = choice?.message.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: inputOf(call.function.arguments) });
  }
  const usage = tokenUsageOf(completion.usage) ?? { promptTokens: 0, completionTokens: 0, cachedTokens: 0 };
  return {
    id: messageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: choice?.finish_reason ? stopReasonOfFinishReason[choice.finish_reason] : null,
    stop_sequence: null,
    usage: messagesUsageOfTokens(usage),
  };
}
