import type { ChatMessage, ChatRequest, ChatTool, ToolChoice, UserPart } from '../openai/chat.wire';
import { textOf } from '../openai/chat.wire';
import { parseDataUrl } from '../translate/data-url';
import { when, type Refusals } from '../translate/limits';
import { refuse } from '../translate/request-errors';

/**
 * OpenAI chat requests as Anthropic Messages requests.
 * https://docs.anthropic.com/en/api/messages
 * https://docs.anthropic.com/en/api/openai-sdk#important-openai-compatibility-limitations (what does not map)
 */

/**
 * `max_tokens` when the client set none: Anthropic requires one, and every current Claude model can
 * produce this many.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** OpenAI parameters with no Anthropic counterpart: refused (400) rather than silently ignored. */
export const refusals: Refusals = {
  n: { refuseWhen: when.above(1), what: 'more than one choice' },
  logprobs: { refuseWhen: (v) => v === true, what: 'log probabilities' },
  top_logprobs: { refuseWhen: when.set, what: 'log probabilities' },
  logit_bias: { refuseWhen: when.nonEmpty, what: 'token biases' },
  presence_penalty: { refuseWhen: when.nonZero, what: 'a presence penalty' },
  frequency_penalty: { refuseWhen: when.nonZero, what: 'a frequency penalty' },
  response_format: { refuseWhen: when.typeOtherThan('text'), what: 'structured output' },
  audio: { refuseWhen: when.set, what: 'audio output' },
  modalities: { refuseWhen: when.includesOtherThan('text'), what: 'output other than text' },
  prediction: { refuseWhen: when.set, what: 'predicted output' },
  web_search_options: { refuseWhen: when.set, what: 'web search' },
  temperature: { refuseWhen: when.above(1), what: 'a temperature above 1, where Anthropic stops' },
};

/** Image types Anthropic takes. https://docs.anthropic.com/en/docs/build-with-claude/vision */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

type Block = Record<string, unknown> & { type: string };
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

export interface AnthropicRequest {
  model: string;
  messages: Turn[];
  max_tokens: number;
  system?: Block[];
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  stream?: boolean;
  metadata?: { user_id: string };
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: Record<string, unknown>;
}

function textBlocks(text: string): Block[] {
  // Anthropic refuses empty text blocks.
  return text === '' ? [] : [{ type: 'text', text }];
}

function imageBlock(url: string, param: string): Block {
  if (!url.startsWith('data:')) return { type: 'image', source: { type: 'url', url } };
  const data = parseDataUrl(url);
  if (!data || !IMAGE_TYPES.has(data.mediaType)) {
    refuse(param, `'${param}' must be a base64 data URL of a JPEG, PNG, GIF or WebP image for anthropic.`);
  }
  return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
}

function userBlock(part: UserPart, param: string): Block[] {
  switch (part.type) {
    case 'text':
      return textBlocks(part.text);
    case 'image_url':
      return [imageBlock(part.image_url.url, `${param}.image_url.url`)];
    case 'file': {
      const data = part.file.file_data === undefined ? undefined : parseDataUrl(part.file.file_data);
      if (data?.mediaType !== 'application/pdf') {
        refuse(`${param}.file`, `'${param}.file' must carry a PDF as base64 file_data for anthropic (file ids are OpenAI's own).`);
      }
      return [{ type: 'document', source: { type: 'base64', media_type: data.mediaType, data: data.data } }];
    }
    case 'input_audio':
      return refuse(param, `'${param}' is audio input, which anthropic does not accept.`);
  }
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  let input: unknown;
  try {
    input = JSON.parse(text === '' ? '{}' : text);
  } catch {
    refuse(param, `'${param}' must be JSON text for anthropic.`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) refuse(param, `'${param}' must be a JSON object for anthropic.`);
  return input as Record<string, unknown>;
}

function messageBlocks(message: ChatMessage, i: number): { role: Turn['role']; blocks: Block[] } | { system: Block[] } {
  const param = `messages[${i}]`;
  switch (message.role) {
    case 'system':
    case 'developer':
      return { system: textBlocks(textOf(message.content)) };
    case 'user':
      if (typeof message.content === 'string') return { role: 'user', blocks: textBlocks(message.content) };
      return { role: 'user', blocks: message.content.flatMap((part, j) => userBlock(part, `${param}.content[${j}]`)) };
    case 'assistant': {
      const blocks = textBlocks(typeof message.content === 'string' ? message.content : textOf(message.content ?? []));
      (message.tool_calls ?? []).forEach((call, j) => {
        const input = parseArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`);
        blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
      });
      return { role: 'assistant', blocks };
    }
    case 'tool':
      return { role: 'user', blocks: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }] };
    case 'function':
      return refuse(`${param}.role`, `The deprecated 'function' role is not supported by anthropic; send 'tool' messages.`);
  }
}

/**
 * Anthropic's turns alternate: consecutive messages of one role become one turn, tool results (OpenAI's
 * `tool` messages) join the user turn, and within a user turn they come first, as Anthropic requires.
 * System and developer messages, wherever they are, are lifted into `system` in order.
 */
function turnsOf(messages: readonly ChatMessage[]): { system: Block[]; turns: Turn[] } {
  const system: Block[] = [];
  const turns: Turn[] = [];
  messages.forEach((message, i) => {
    const out = messageBlocks(message, i);
    if ('system' in out) {
      system.push(...out.system);
      return;
    }
    if (out.blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === out.role) last.content.push(...out.blocks);
    else turns.push({ role: out.role, content: out.blocks });
  });
  for (const turn of turns) {
    if (turn.role === 'user') turn.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return { system, turns };
}

function toolOf(tool: ChatTool, i: number): NonNullable<AnthropicRequest['tools']>[number] {
  if (tool.type !== 'function' || !tool.function) refuse(`tools[${i}].type`, `Only function tools are supported by anthropic, not '${tool.type}'.`);
  const { name, description, parameters } = tool.function;
  return { name, ...(description === undefined ? {} : { description }), input_schema: parameters ?? { type: 'object', properties: {} } };
}

/** https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#forcing-tool-use */
function toolChoiceOf(choice: ToolChoice | null | undefined, parallel: boolean | null | undefined): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice) out = { type: 'tool', name: choice.function.name };
  if (parallel === false) out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

/** The Anthropic request for a validated OpenAI chat request, aimed at `model`. Unknown fields are dropped. */
export function toMessagesRequest(chat: ChatRequest, model: string): AnthropicRequest {
  const { system, turns } = turnsOf(chat.messages);
  if (turns.length === 0) refuse('messages', 'anthropic needs at least one user or assistant message besides the system prompt.');
  const out: AnthropicRequest = {
    model,
    messages: turns,
    max_tokens: chat.max_completion_tokens ?? chat.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) out.system = system;
  if (chat.temperature != null) out.temperature = chat.temperature;
  if (chat.top_p != null) out.top_p = chat.top_p;
  if (chat.stop != null) out.stop_sequences = typeof chat.stop === 'string' ? [chat.stop] : chat.stop;
  if (chat.stream) out.stream = true;
  if (chat.user) out.metadata = { user_id: chat.user };
  if (chat.tools && chat.tools.length > 0) out.tools = chat.tools.map(toolOf);
  const toolChoice = out.tools ? toolChoiceOf(chat.tool_choice, chat.parallel_tool_calls) : undefined;
  if (toolChoice) out.tool_choice = toolChoice;
  return out;
}
