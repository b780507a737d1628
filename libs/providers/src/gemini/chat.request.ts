import type { ChatMessage, ChatRequest, ChatTool, ToolChoice, UserPart } from '../openai/chat.wire';
import { textOf } from '../openai/chat.wire';
import { parseDataUrl } from '../translate/data-url';
import { when, type Refusals } from '../translate/limits';
import { refuse } from '../translate/request-errors';
import type { Content, FunctionDeclaration, GenerateContentRequest, Part } from './generate.wire';

/**
 * OpenAI chat requests as Gemini `generateContent` requests.
 * https://ai.google.dev/api/generate-content#request-body
 * https://ai.google.dev/gemini-api/docs/function-calling
 */

/** OpenAI parameters with no Gemini counterpart: refused (400) rather than silently ignored. */
export const refusals: Refusals = {
  logprobs: { refuseWhen: (v) => v === true, what: 'log probabilities' },
  top_logprobs: { refuseWhen: when.set, what: 'log probabilities' },
  logit_bias: { refuseWhen: when.nonEmpty, what: 'token biases' },
  audio: { refuseWhen: when.set, what: 'audio output' },
  modalities: { refuseWhen: when.includesOtherThan('text'), what: 'output other than text' },
  prediction: { refuseWhen: when.set, what: 'predicted output' },
  web_search_options: { refuseWhen: when.set, what: 'web search' },
};

/**
 * The JSON Schema keywords Gemini's `Schema` object knows; others (`additionalProperties`, `$schema`,
 * `$ref`, …) are rejected by the API, so they are left out. https://ai.google.dev/api/caching#Schema
 */
const SCHEMA_KEYWORDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

/** A JSON Schema in the subset Gemini takes: `type: [t, "null"]` becomes `nullable`, `const` a one-value enum. */
export function geminiSchema(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'const') out.enum = [value];
    else if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      out.type = types[0];
      if (types.length < value.length) out.nullable = true;
    } else if (key === 'properties' && typeof value === 'object' && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, prop]) => [name, geminiSchema(prop)]));
    } else if (key === 'items') out.items = geminiSchema(value);
    else if (key === 'anyOf' && Array.isArray(value)) out.anyOf = value.map(geminiSchema);
    else if (SCHEMA_KEYWORDS.has(key)) out[key] = value;
  }
  return out;
}

function inlinePart(url: string, param: string): Part {
  const data = parseDataUrl(url);
  if (!data) refuse(param, `'${param}' must be a base64 data URL for gemini, which does not fetch URLs.`);
  return { inlineData: { mimeType: data.mediaType, data: data.data } };
}

function userPart(part: UserPart, param: string): Part[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ text: part.text }];
    case 'image_url':
      return [inlinePart(part.image_url.url, `${param}.image_url.url`)];
    case 'input_audio':
      return [{ inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } }];
    case 'file':
      if (part.file.file_data === undefined) refuse(`${param}.file`, `'${param}.file' must carry file_data for gemini (file ids are OpenAI's own).`);
      return [inlinePart(part.file.file_data, `${param}.file.file_data`)];
  }
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  let args: unknown;
  try {
    args = JSON.parse(text === '' ? '{}' : text);
  } catch {
    refuse(param, `'${param}' must be JSON text for gemini.`);
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) refuse(param, `'${param}' must be a JSON object for gemini.`);
  return args as Record<string, unknown>;
}

/**
 * A tool result as a `functionResponse`: Gemini wants an object, so JSON objects are sent as they are and
 * anything else under `output`, as its docs suggest.
 */
function functionResponse(name: string, content: string): Part {
  let response: unknown;
  try {
    response = JSON.parse(content);
  } catch {
    response = undefined;
  }
  const object = typeof response === 'object' && response !== null && !Array.isArray(response);
  return { functionResponse: { name, response: object ? (response as Record<string, unknown>) : { output: content } } };
}

/**
 * Gemini's contents alternate `user` and `model`; consecutive messages of one role are merged, tool
 * results join the user's turn as `functionResponse` parts (named after the call they answer, which
 * Gemini needs), system and developer messages become the `systemInstruction`.
 */
function contentsOf(messages: readonly ChatMessage[]): { system: string[]; contents: Content[] } {
  const system: string[] = [];
  const contents: Content[] = [];
  const nameOfCall = new Map<string, string>();
  const push = (role: Content['role'], parts: Part[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        return;
      case 'user':
        if (typeof message.content === 'string') push('user', message.content === '' ? [] : [{ text: message.content }]);
        else push('user', message.content.flatMap((part, j) => userPart(part, `${param}.content[${j}]`)));
        return;
      case 'assistant': {
        const text = typeof message.content === 'string' ? message.content : textOf(message.content ?? []);
        const parts: Part[] = text === '' ? [] : [{ text }];
        (message.tool_calls ?? []).forEach((call, j) => {
          nameOfCall.set(call.id, call.function.name);
          parts.push({ functionCall: { name: call.function.name, args: parseArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`) } });
        });
        push('model', parts);
        return;
      }
      case 'tool': {
        const name = nameOfCall.get(message.tool_call_id);
        if (name === undefined) {
          refuse(`${param}.tool_call_id`, `'${param}.tool_call_id' answers no tool call of an earlier assistant message, and gemini needs the function's name.`);
        }
        push('user', [functionResponse(name, textOf(message.content))]);
        return;
      }
      case 'function':
        refuse(`${param}.role`, `The deprecated 'function' role is not supported by gemini; send 'tool' messages.`);
    }
  });
  return { system, contents };
}

function declarationOf(tool: ChatTool, i: number): FunctionDeclaration {
  if (tool.type !== 'function' || !tool.function) refuse(`tools[${i}].type`, `Only function tools are supported by gemini, not '${tool.type}'.`);
  const { name, description, parameters } = tool.function;
  const declaration: FunctionDeclaration = { name };
  if (description !== undefined) declaration.description = description;
  // Gemini refuses an object schema without properties; a function without parameters declares none.
  const schema = geminiSchema(parameters) as Record<string, unknown> | undefined;
  if (schema && !(schema.type === 'object' && Object.keys((schema.properties as object | undefined) ?? {}).length === 0)) declaration.parameters = schema;
  return declaration;
}

/** https://ai.google.dev/gemini-api/docs/function-calling#function_calling_modes */
function toolConfigOf(choice: ToolChoice): GenerateContentRequest['toolConfig'] {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

/** The Gemini request for a validated OpenAI chat request. Unknown fields are dropped. */
export function toGenerateContentRequest(chat: ChatRequest): GenerateContentRequest {
  const { system, contents } = contentsOf(chat.messages);
  if (contents.length === 0) refuse('messages', 'gemini needs at least one user or assistant message besides the system prompt.');
  const out: GenerateContentRequest = { contents };
  const instruction = system.filter((s) => s !== '').join('\n');
  if (instruction !== '') out.systemInstruction = { parts: [{ text: instruction }] };
  if (chat.tools && chat.tools.length > 0) out.tools = [{ functionDeclarations: chat.tools.map(declarationOf) }];
  if (chat.tool_choice && out.tools) out.toolConfig = toolConfigOf(chat.tool_choice);

  const config: NonNullable<GenerateContentRequest['generationConfig']> = {};
  if (chat.temperature != null) config.temperature = chat.temperature;
  if (chat.top_p != null) config.topP = chat.top_p;
  const maxTokens = chat.max_completion_tokens ?? chat.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (chat.stop != null) config.stopSequences = typeof chat.stop === 'string' ? [chat.stop] : chat.stop;
  if (chat.n != null && chat.n > 1) config.candidateCount = chat.n;
  if (chat.seed != null) config.seed = chat.seed;
  if (chat.presence_penalty != null) config.presencePenalty = chat.presence_penalty;
  if (chat.frequency_penalty != null) config.frequencyPenalty = chat.frequency_penalty;
  const format = chat.response_format;
  if (format && format.type !== 'text') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json_schema' && format.json_schema?.schema) config.responseSchema = geminiSchema(format.json_schema.schema) as Record<string, unknown>;
  }
  if (Object.keys(config).length > 0) out.generationConfig = config;
  return out;
}
