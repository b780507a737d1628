import type { ChatReply } from '../openai/chat-reply';

/**
 * Anthropic's Messages wire format for a planned reply: the `message` object and the stream of named
 * events, field for field as the API sends them.
 * https://docs.anthropic.com/en/api/messages
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' } as const;

export interface MessageEnvelope {
  /** `msg_…` */
  id: string;
  model: string;
  /** `toolu_…`, used when the reply calls a tool. */
  toolUseId: string;
}

function usage(reply: ChatReply, output: number) {
  return { input_tokens: reply.promptTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output };
}

/** The tool's input as an object; arguments cut short by `max_tokens` are not JSON yet, and give `{}`. */
function inputOf(reply: ChatReply): unknown {
  try {
    return JSON.parse(reply.pieces.join(''));
  } catch {
    return {};
  }
}

export function renderMessage(reply: ChatReply, env: MessageEnvelope): string {
  const content =
    reply.toolName === undefined
      ? [{ type: 'text', text: reply.pieces.join('') }]
      : [{ type: 'tool_use', id: env.toolUseId, name: reply.toolName, input: inputOf(reply) }];
  return JSON.stringify({
    id: env.id,
    type: 'message',
    role: 'assistant',
    model: env.model,
    content,
    stop_reason: STOP_REASONS[reply.finishReason],
    stop_sequence: null,
    usage: usage(reply, reply.completionTokens),
  });
}

const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/**
 * The stream: `message_start` (input usage), one content block (`text` with `text_delta`s, or `tool_use`
 * with `input_json_delta`s, one per piece) between `content_block_start` and `content_block_stop`, a
 * `ping` after the block opens as Anthropic sends one, `message_delta` with the stop reason and the
 * output tokens, `message_stop`.
 */
/** How many of `renderEvents`' events close the stream: `content_block_stop`, `message_delta`, `message_stop`. */
export const CLOSING_EVENTS = 3;

export function renderEvents(reply: ChatReply, env: MessageEnvelope): string[] {
  const tool = reply.toolName !== undefined;
  const events = [
    event('message_start', {
      message: {
        id: env.id,
        type: 'message',
        role: 'assistant',
        model: env.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usage(reply, 1),
      },
    }),
    event('content_block_start', {
      index: 0,
      content_block: tool ? { type: 'tool_use', id: env.toolUseId, name: reply.toolName, input: {} } : { type: 'text', text: '' },
    }),
    event('ping', {}),
  ];
  for (const piece of reply.pieces) {
    const delta = tool ? { type: 'input_json_delta', partial_json: piece } : { type: 'text_delta', text: piece };
    events.push(event('content_block_delta', { index: 0, delta }));
  }
  events.push(event('content_block_stop', { index: 0 }));
  events.push(event('message_delta', { delta: { stop_reason: STOP_REASONS[reply.finishReason], stop_sequence: null }, usage: { output_tokens: reply.completionTokens } }));
  events.push(event('message_stop', {}));
  return events;
}
