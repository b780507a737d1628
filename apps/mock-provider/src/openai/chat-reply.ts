import { countWords, slices } from '../text';
import { argumentsFor } from '../tool-arguments';
import type { ChatRequest, FunctionTool } from './chat-request';

/** The reply when there is nothing to echo. */
const FALLBACK_TEXT = 'OK';

export type FinishReason = 'stop' | 'length' | 'tool_calls';

/** What every choice of the answer says, decided once and then rendered as a completion or as a stream. */
export interface ChatReply {
  /** The function the reply calls, or undefined for a text reply. */
  toolName: string | undefined;
  /** Text pieces, or the pieces of the call's JSON arguments; streamed one per event. */
  pieces: readonly string[];
  finishReason: FinishReason;
  /** Words in the text of every message. */
  promptTokens: number;
  /** Completion tokens of one choice: one per piece. */
  completionTokens: number;
}

/**
 * Decides the reply to a chat request:
 * - tools offered and the user spoke last: call the chosen tool (`tool_choice`, else the first), with
 *   JSON arguments built from the user's text (see `argumentsFor`);
 * - a tool result last: the text `Tool result: <its content>`;
 * - otherwise the text of the last user message, verbatim (`OK` when it is blank).
 * The text or the arguments are cut into `chunks` near-equal slices (one per character when shorter), and
 * `maxTokens` keeps the first slices only, finishing with `length`.
 */
export function planChatReply(req: ChatRequest, chunks: number): ChatReply {
  const { messages } = req;
  const last = messages[messages.length - 1];
  const promptTokens = promptTokensOf(messages);
  let userText = '';
  for (const m of messages) if (m.role === 'user') userText = m.text;

  const tool = last.role === 'user' ? chosenTool(req) : undefined;
  let text: string;
  if (tool) text = JSON.stringify(argumentsFor(tool.parameters ?? { type: 'object' }, userText));
  else if (last.role === 'tool') text = `Tool result: ${last.text}`;
  else text = userText.trim() === '' ? FALLBACK_TEXT : userText;
  const all = slices(text, chunks);

  const truncated = req.maxTokens !== undefined && req.maxTokens < all.length;
  const pieces = truncated ? all.slice(0, req.maxTokens) : all;
  return {
    toolName: tool?.name,
    pieces,
    finishReason: truncated ? 'length' : tool ? 'tool_calls' : 'stop',
    promptTokens,
    completionTokens: pieces.length,
  };
}

/** The mock's input tokens for a conversation: one per word of every message, as every reply reports them. */
export function promptTokensOf(messages: ChatRequest['messages']): number {
  let tokens = 0;
  for (const m of messages) tokens += countWords(m.text);
  return tokens;
}

function chosenTool(req: ChatRequest): FunctionTool | undefined {
  const choice = req.toolChoice;
  if (choice === 'none') return undefined;
  if (typeof choice === 'object') return req.tools.find((t) => t.name === choice.name);
  return req.tools[0];
}
