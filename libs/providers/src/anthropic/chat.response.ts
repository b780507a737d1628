import type { ChatCompletion, ToolCall } from '../openai/chat.wire';
import { malformed, parseUpstreamJson } from '../translate/upstream-json';
import type { Message, StopReason } from './messages.wire';
import { chatUsageOfMessages, mergeUsage } from './usage';
import { finishReasonOfStopReason } from './vocabulary';

/** Unix time in seconds, for translated answers: Anthropic's carry no creation time. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A complete Anthropic body, checked for the fields the translation reads. */
export function parseMessage(body: Buffer | string): Message {
  const message = parseUpstreamJson(body, 'anthropic');
  if (message.type !== 'message' || !Array.isArray(message.content)) throw malformed('anthropic', 'a body that is not a message');
  return message as unknown as Message;
}

/**
 * An Anthropic `message` as a `chat.completion`: text blocks joined into `content`, `tool_use` blocks as
 * `tool_calls` (their input serialised as the arguments), thinking left out, stop reason and usage mapped.
 */
export function toChatCompletion(message: Message): ChatCompletion {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      const use = block as { id: string; name: string; input?: unknown };
      toolCalls.push({ id: use.id, type: 'function', function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) } });
    }
  }
  const stop = message.stop_reason as StopReason | null;
  return {
    id: message.id,
    object: 'chat.completion',
    created: nowSeconds(),
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: stop === null ? null : (finishReasonOfStopReason[stop] ?? 'stop'),
      },
    ],
    usage: chatUsageOfMessages(mergeUsage(undefined, message.usage)),
  };
}
