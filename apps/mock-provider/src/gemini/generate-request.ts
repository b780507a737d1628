import type { ChatMessage, ChatRequest, FunctionTool, ToolChoice } from '../openai/chat-request';
import type { ParameterSchema } from '../tool-arguments';
import { invalidArgument } from './errors';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The parts of one content that the reply depends on. */
function partsOf(content: Json, at: string): { text: string; responses: string[] } {
  if (!Array.isArray(content.parts) || content.parts.length === 0) invalidArgument(`* ${at}.parts: contents.parts must not be empty.`);
  const texts: string[] = [];
  const responses: string[] = [];
  content.parts.forEach((part: unknown, j) => {
    if (!isObject(part)) invalidArgument(`Invalid value at '${at}.parts[${j}]'`);
    if (typeof part.text === 'string') texts.push(part.text);
    else if (isObject(part.functionResponse)) {
      const r = part.functionResponse;
      if (typeof r.name !== 'string' || !isObject(r.response)) invalidArgument(`* ${at}.parts[${j}].function_response: name and response are required.`);
      responses.push(JSON.stringify(r.response));
    } else if (isObject(part.functionCall)) {
      if (typeof part.functionCall.name !== 'string') invalidArgument(`* ${at}.parts[${j}].function_call.name: Name cannot be empty.`);
    } else if (!isObject(part.inlineData) && !isObject(part.fileData)) {
      invalidArgument(`Invalid JSON payload received. Unknown name in '${at}.parts[${j}]'.`);
    }
  });
  return { text: texts.join('\n'), responses };
}

/** Function declarations; Gemini refuses an object schema without properties, as the mock does. */
function toolsOf(value: unknown): FunctionTool[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalidArgument("Invalid value at 'tools'");
  return value.flatMap((tool: unknown, i) => {
    if (!isObject(tool)) invalidArgument(`Invalid value at 'tools[${i}]'`);
    const declarations = tool.functionDeclarations ?? tool.function_declarations;
    if (declarations === undefined) return [];
    if (!Array.isArray(declarations)) invalidArgument(`Invalid value at 'tools[${i}].function_declarations'`);
    return declarations.map((d: unknown, j) => {
      if (!isObject(d) || typeof d.name !== 'string' || d.name === '') invalidArgument(`* tools[${i}].function_declarations[${j}].name: Name cannot be empty.`);
      const schema = d.parameters;
      if (isObject(schema) && String(schema.type).toLowerCase() === 'object' && (!isObject(schema.properties) || Object.keys(schema.properties).length === 0)) {
        invalidArgument(`* GenerateContentRequest.tools[${i}].function_declarations[${j}].parameters.properties: should be non-empty for OBJECT type`);
      }
      return { name: d.name, parameters: lowerTypes(schema) as ParameterSchema | undefined };
    });
  });
}

/** Gemini's schemas may name types in capitals (`OBJECT`); the shared argument builder reads JSON Schema's. */
function lowerTypes(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: Json = { ...schema };
  if (typeof schema.type === 'string') out.type = schema.type.toLowerCase();
  if (isObject(schema.properties)) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, lowerTypes(v)]));
  if (schema.items !== undefined) out.items = lowerTypes(schema.items);
  return out;
}

function toolChoiceOf(config: unknown, tools: readonly FunctionTool[]): ToolChoice {
  const calling = isObject(config) ? (config.functionCallingConfig ?? config.function_calling_config) : undefined;
  if (!isObject(calling)) return 'auto';
  const allowed = calling.allowedFunctionNames ?? calling.allowed_function_names;
  switch (calling.mode) {
    case undefined:
    case 'AUTO':
    case 'MODE_UNSPECIFIED':
      return 'auto';
    case 'NONE':
      return 'none';
    case 'ANY':
    case 'VALIDATED':
      if (Array.isArray(allowed) && allowed.length > 0) {
        const name = String(allowed[0]);
        if (!tools.some((t) => t.name === name)) invalidArgument(`* tool_config.function_calling_config.allowed_function_names: ${name} is not declared.`);
        return { name };
      }
      return 'required';
    default:
      return invalidArgument(`Invalid value at 'tool_config.function_calling_config.mode' (${String(calling.mode)})`);
  }
}

/**
 * Validates a `generateContent` body for the fields the mock reads and reduces it to the request the
 * shared reply planner takes: the system instruction and each content as text, a user content that
 * carries function responses as a `tool` message.
 * https://ai.google.dev/api/generate-content#request-body
 */
export function parseGenerateRequest(raw: unknown, model: string, stream: boolean): ChatRequest {
  if (!isObject(raw)) invalidArgument('Invalid JSON payload received. Expected an object.');
  if (!Array.isArray(raw.contents) || raw.contents.length === 0) invalidArgument('* GenerateContentRequest.contents: contents is not specified');
  const messages: ChatMessage[] = [];
  const instruction = raw.systemInstruction ?? raw.system_instruction;
  if (isObject(instruction)) messages.push({ role: 'system', text: partsOf(instruction, 'system_instruction').text });
  raw.contents.forEach((content: unknown, i) => {
    if (!isObject(content)) invalidArgument(`Invalid value at 'contents[${i}]'`);
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model') invalidArgument(`* GenerateContentRequest.contents[${i}].role: Please use a valid role: user, model.`);
    const { text, responses } = partsOf(content, `contents[${i}]`);
    if (responses.length > 0) messages.push({ role: 'tool', text: responses.join('\n') });
    else messages.push({ role: role === 'model' ? 'assistant' : 'user', text });
  });
  const config = isObject(raw.generationConfig) ? raw.generationConfig : isObject(raw.generation_config) ? raw.generation_config : {};
  const maxTokens = config.maxOutputTokens ?? config.max_output_tokens;
  const candidates = config.candidateCount ?? config.candidate_count ?? 1;
  if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
    invalidArgument("Invalid value at 'generation_config.max_output_tokens'");
  }
  if (typeof candidates !== 'number' || !Number.isInteger(candidates) || candidates < 1 || candidates > 8) {
    invalidArgument("Invalid value at 'generation_config.candidate_count'");
  }
  const tools = toolsOf(raw.tools);
  return {
    model,
    messages,
    stream,
    includeUsage: false,
    n: candidates,
    maxTokens: maxTokens as number | undefined,
    tools,
    toolChoice: toolChoiceOf(raw.toolConfig ?? raw.tool_config, tools),
  };
}
