import type { ParameterSchema } from '../tool-arguments';
import {
  checkSampling,
  fail,
  invalidValue,
  isObject,
  missing,
  optionalBoolean,
  optionalInteger,
  requireBody,
  requireModel,
  CHAT_SAMPLING,
  wrongType,
  type JsonObject,
} from './validate';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
export type Role = (typeof ROLES)[number];

/** A message reduced to what the mock answers from: who spoke and the text they sent. */
export interface ChatMessage {
  role: Role;
  /** `content` as text: the string itself, or the text parts joined by newlines. */
  text: string;
}

export interface FunctionTool {
  name: string;
  parameters: ParameterSchema | undefined;
}

/** `tool_choice`: none, auto, required, or one named function. */
export type ToolChoice = 'none' | 'auto' | 'required' | { name: string };

/** A validated `POST /v1/chat/completions` body, in the terms the reply is planned from. */
export interface ChatRequest {
  model: string;
  messages: readonly ChatMessage[];
  stream: boolean;
  /** `stream_options.include_usage`: end the stream with a usage chunk. */
  includeUsage: boolean;
  /** Number of choices. */
  n: number;
  /** Cap on completion tokens per choice, from `max_completion_tokens` or else `max_tokens`. */
  maxTokens: number | undefined;
  tools: readonly FunctionTool[];
  toolChoice: ToolChoice;
}

const TOOL_CHOICES = ['none', 'auto', 'required'] as const;

/** Validates a chat body the way OpenAI does, for the fields the mock reads; throws `RequestRejected`. */
export function parseChatRequest(raw: unknown): ChatRequest {
  const body = requireBody(raw);
  const model = requireModel(body);
  const messages = parseMessages(body.messages);
  const stream = optionalBoolean(body, 'stream') ?? false;
  const includeUsage = parseStreamOptions(body, stream);
  const n = optionalInteger(body, 'n', 1, 128) ?? 1;
  const maxTokens =
    optionalInteger(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER) ??
    optionalInteger(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER);
  checkSampling(body, CHAT_SAMPLING);
  const tools = parseTools(body.tools);
  const toolChoice = parseToolChoice(body.tool_choice, tools, Array.isArray(body.tools) && body.tools.length > 0);
  return { model, messages, stream, includeUsage, n, maxTokens, tools, toolChoice };
}

function parseMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) missing('messages');
  if (!Array.isArray(value)) wrongType('messages', 'an array of objects', value);
  if (value.length === 0) {
    const message = "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.";
    fail(message, 'messages', 'empty_array');
  }
  const messages = value.map((m: unknown, i) => parseMessage(m, `messages[${i}]`));
  checkToolTurns(value as JsonObject[]);
  return messages;
}

/**
 * OpenAI's rules for tool turns: each `tool` message answers a call of the assistant message before its run of
 * tool messages, and every call of an assistant message is answered before the conversation goes on. Both are
 * refused in OpenAI's words (its `param` spells the index `messages.[i]`).
 */
function checkToolTurns(messages: readonly JsonObject[]): void {
  let calls: { at: number; pending: Set<string> } | undefined;
  messages.forEach((m, i) => {
    if (m.role === 'tool') {
      if (!calls) fail("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`);
      calls.pending.delete(m.tool_call_id as string);
      return;
    }
    if (calls) allAnswered(calls);
    const toolCalls = m.role === 'assistant' && Array.isArray(m.tool_calls) ? (m.tool_calls as unknown[]) : [];
    calls = toolCalls.length > 0 ? { at: i, pending: new Set(toolCalls.map((c) => (isObject(c) ? String(c.id) : ''))) } : undefined;
  });
  if (calls) allAnswered(calls);
}

function allAnswered(calls: { at: number; pending: Set<string> }): void {
  if (calls.pending.size === 0) return;
  fail(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...calls.pending].join(', ')}`,
    `messages.[${calls.at}].role`,
  );
}

function parseMessage(m: unknown, param: string): ChatMessage {
  if (!isObject(m)) wrongType(param, 'an object', m);
  const role = m.role;
  if (role === undefined) missing(`${param}.role`);
  if (!ROLES.includes(role as Role)) invalidValue(`${param}.role`, role, ROLES);
  const content = m.content;
  // Assistant turns that only call tools carry no content.
  if ((content === undefined || content === null) && role !== 'assistant') missing(`${param}.content`);
  if (role === 'tool' && typeof m.tool_call_id !== 'string') missing(`${param}.tool_call_id`);
  return { role: role as Role, text: contentText(content, `${param}.content`) };
}

function contentText(content: unknown, param: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) wrongType(param, 'one of a string or array of objects', content);
  const texts: string[] = [];
  content.forEach((part: unknown, i) => {
    if (!isObject(part)) wrongType(`${param}[${i}]`, 'an object', part);
    if (part.type === undefined) missing(`${param}[${i}].type`);
    if (part.type === 'text') {
      if (typeof part.text !== 'string') wrongType(`${param}[${i}].text`, 'a string', part.text);
      texts.push(part.text);
    }
  });
  return texts.join('\n');
}

function parseStreamOptions(body: JsonObject, stream: boolean): boolean {
  const options = body.stream_options;
  if (options === undefined || options === null) return false;
  if (!stream) fail("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
  if (!isObject(options)) wrongType('stream_options', 'an object', options);
  return optionalBoolean(options, 'include_usage') ?? false;
}

function parseTools(value: unknown): FunctionTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) wrongType('tools', 'an array of objects', value);
  const tools: FunctionTool[] = [];
  value.forEach((t: unknown, i) => {
    if (!isObject(t)) wrongType(`tools[${i}]`, 'an object', t);
    // Other tool kinds (custom, …) are accepted and never called.
    if (t.type !== 'function') return;
    const fn = t.function;
    if (!isObject(fn)) missing(`tools[${i}].function`);
    if (typeof fn.name !== 'string' || fn.name === '') missing(`tools[${i}].function.name`);
    if (fn.parameters !== undefined && !isObject(fn.parameters)) wrongType(`tools[${i}].function.parameters`, 'an object', fn.parameters);
    tools.push({ name: fn.name, parameters: fn.parameters as ParameterSchema | undefined });
  });
  return tools;
}

function parseToolChoice(value: unknown, tools: readonly FunctionTool[], toolsDeclared: boolean): ToolChoice {
  if (value === undefined || value === null) return 'auto';
  if (!toolsDeclared) {
    fail("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice', 'invalid_value');
  }
  if (typeof value === 'string') {
    if (!TOOL_CHOICES.includes(value as (typeof TOOL_CHOICES)[number])) invalidValue('tool_choice', value, TOOL_CHOICES);
    return value as ToolChoice;
  }
  if (!isObject(value)) wrongType('tool_choice', 'one of a string or object', value);
  if (value.type !== 'function') return 'auto';
  const name = isObject(value.function) ? value.function.name : undefined;
  if (typeof name !== 'string') missing('tool_choice.function.name');
  if (!tools.some((t) => t.name === name)) {
    fail(`Invalid 'tool_choice': no function named '${name}' among 'tools'.`, 'tool_choice.function.name', 'invalid_value');
  }
  return { name };
}
