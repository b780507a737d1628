import type { ChatMessage, ChatRequest, ChatTool, ToolCall, ToolChoice, UserPart } from '../openai/chat.wire';
import { dataUrl } from '../translate/data-url';
import { refuse } from '../translate/request-errors';
import type { ContentBlock, MessageParam, MessagesRequest, ToolChoice as AnthropicToolChoice, ToolResultBlock } from './messages.wire';

/**
 * A client's Anthropic Messages request as an OpenAI chat request (the pivot), for a provider that does
 * not speak Anthropic's format. What has no counterpart is dropped (`top_k`, thinking, cache control,
 * unknown fields); what would change the answer if dropped (server tools, documents by URL) is refused.
 * https://docs.anthropic.com/en/api/messages
 */

type Part = UserPart;

function toolResultText(block: ToolResultBlock, param: string): string {
  if (block.content === undefined) return '';
  if (typeof block.content === 'string') return block.content;
  return block.content
    .map((inner, k) => {
      if (inner.type === 'text') return inner.text;
      return refuse(`${param}.content[${k}]`, `'${param}.content[${k}]': only text tool results can be sent to this provider.`);
    })
    .join('');
}

function userPart(block: ContentBlock, param: string): Part | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      return {
        type: 'image_url',
        image_url: { url: block.source.type === 'base64' ? dataUrl(block.source.media_type, block.source.data) : block.source.url },
      };
    case 'document':
      if (block.source.type === 'text') return { type: 'text', text: block.source.data };
      if (block.source.type === 'base64') {
        return { type: 'file', file: { filename: block.title ?? 'document.pdf', file_data: dataUrl(block.source.media_type, block.source.data) } };
      }
      return refuse(`${param}.source`, `'${param}.source': documents by URL can only be sent to anthropic.`);
    case 'thinking':
    case 'redacted_thinking':
      return undefined;
    default:
      return refuse(`${param}.type`, `'${param}': a ${block.type} block belongs in an assistant message.`);
  }
}

/** A user turn: its tool results first, as OpenAI `tool` messages, then the rest as one user message. */
function userMessages(content: readonly ContentBlock[], param: string): ChatMessage[] {
  const out: ChatMessage[] = [];
  const parts: Part[] = [];
  content.forEach((block, j) => {
    if (block.type === 'tool_result') {
      const text = toolResultText(block, `${param}.content[${j}]`);
      out.push({ role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error ? `Error: ${text}` : text });
      return;
    }
    const part = userPart(block, `${param}.content[${j}]`);
    if (part) parts.push(part);
  });
  if (parts.length > 0) out.push({ role: 'user', content: parts.every((p) => p.type === 'text') ? parts.map((p) => p.text).join('') : parts });
  return out;
}

function assistantMessage(content: readonly ContentBlock[], param: string): ChatMessage {
  let text = '';
  const toolCalls: ToolCall[] = [];
  content.forEach((block, j) => {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } });
    else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      refuse(`${param}.content[${j}].type`, `'${param}.content[${j}]': a ${block.type} block cannot be in an assistant message.`);
    }
  });
  return toolCalls.length > 0 ? { role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls } : { role: 'assistant', content: text };
}

function messagesOf(message: MessageParam, i: number): ChatMessage[] {
  const param = `messages[${i}]`;
  if (typeof message.content === 'string') return [{ role: message.role, content: message.content }];
  return message.role === 'user' ? userMessages(message.content, param) : [assistantMessage(message.content, param)];
}

function toolOf(tool: NonNullable<MessagesRequest['tools']>[number], i: number): ChatTool {
  if (tool.type != null && tool.type !== 'custom') {
    refuse(`tools[${i}].type`, `'tools[${i}]' is Anthropic's server tool '${tool.type}', which only anthropic can run.`);
  }
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.input_schema ?? { type: 'object', properties: {} },
    },
  };
}

/** https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#forcing-tool-use */
function toolChoiceOf(choice: AnthropicToolChoice): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

/** The ids of an assistant turn's `tool_use` blocks; none for any other turn. */
const toolUseIds = (message: MessageParam | undefined): string[] =>
  message?.role === 'assistant' && typeof message.content !== 'string' ? message.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])) : [];

/** The `tool_use` ids a user turn's `tool_result` blocks answer; none for any other turn. */
const toolResultIds = (message: MessageParam | undefined): string[] =>
  message?.role === 'user' && typeof message.content !== 'string' ? message.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])) : [];

/**
 * Anthropic's rule for tool turns, checked before translating because another provider words it in its own
 * format, or lets it pass: a `tool_result` answers a `tool_use` of the turn just before, and every `tool_use`
 * is answered in the next turn. The messages are Anthropic's own (its index is the turn that should answer).
 * https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use
 */
function checkToolTurns(messages: readonly MessageParam[]): void {
  messages.forEach((message, i) => {
    if (typeof message.content === 'string') return;
    if (message.role === 'user') {
      // Made on the first tool_result only: a conversation without tools allocates nothing here.
      let asked: Set<string> | undefined;
      message.content.forEach((block, j) => {
        if (block.type !== 'tool_result') return;
        asked ??= new Set(toolUseIds(messages[i - 1]));
        if (asked.has(block.tool_use_id)) return;
        refuse(
          `messages[${i}].content[${j}]`,
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
        );
      });
      return;
    }
    const uses = toolUseIds(message);
    if (uses.length === 0 || i + 1 === messages.length) return;
    const answered = new Set(toolResultIds(messages[i + 1]));
    const missing = uses.filter((id) => !answered.has(id));
    if (missing.length === 0) return;
    refuse(
      `messages[${i + 1}]`,
      `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
        'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
  });
}

/** The pivot request for a validated Messages request; the model stays the client's alias until `prepare`. */
export function toChatRequest(req: MessagesRequest): ChatRequest {
  checkToolTurns(req.messages);
  const messages: ChatMessage[] = [];
  if (req.system !== undefined) {
    const text = typeof req.system === 'string' ? req.system : req.system.map((b) => b.text).join('\n');
    if (text !== '') messages.push({ role: 'system', content: text });
  }
  req.messages.forEach((message, i) => messages.push(...messagesOf(message, i)));
  const chat: ChatRequest = { model: req.model, messages, max_completion_tokens: req.max_tokens };
  if (req.stream) chat.stream = true;
  if (req.temperature !== undefined) chat.temperature = req.temperature;
  if (req.top_p !== undefined) chat.top_p = req.top_p;
  if (req.stop_sequences && req.stop_sequences.length > 0) chat.stop = req.stop_sequences;
  if (req.metadata?.user_id) chat.user = req.metadata.user_id;
  if (req.tools && req.tools.length > 0) chat.tools = req.tools.map(toolOf);
  if (req.tool_choice) {
    chat.tool_choice = toolChoiceOf(req.tool_choice);
    if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use) chat.parallel_tool_calls = false;
  }
  return chat;
}
