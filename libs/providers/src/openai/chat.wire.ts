import { z } from 'zod';

/**
 * OpenAI's chat completions wire format, the gateway's pivot: every translation goes from a client format
 * to this shape and from it to an upstream's (and back), so N formats need N translators, not N×N.
 * The request schema is checked only when a body is translated (a same-format upstream validates its own
 * requests); objects are loose, so unknown fields survive parsing and are simply not translated.
 * https://platform.openai.com/docs/api-reference/chat/create
 */

const nullish = <T extends z.ZodType>(t: T) => t.nullish();

export const TextPart = z.looseObject({ type: z.literal('text'), text: z.string() });
export const ImagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({
    /** `https://…` or a `data:image/png;base64,…` URL. */
    url: z.string().min(1),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
export const AudioPart = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});
export const FilePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});
const RefusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

export type TextPart = z.infer<typeof TextPart>;
export type UserPart = z.infer<typeof UserPart>;
const UserPart = z.discriminatedUnion('type', [TextPart, ImagePart, AudioPart, FilePart]);

export const ToolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCall>;

const textContent = z.union([z.string(), z.array(TextPart)]);

export const ChatMessage = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: textContent }),
  z.looseObject({ role: z.literal('developer'), content: textContent }),
  z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(UserPart)]) }),
  z.looseObject({
    role: z.literal('assistant'),
    content: nullish(z.union([z.string(), z.array(z.discriminatedUnion('type', [TextPart, RefusalPart]))])),
    tool_calls: nullish(z.array(ToolCall)),
  }),
  z.looseObject({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) }),
  z.looseObject({ role: z.literal('function'), content: nullish(z.string()), name: z.string() }),
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChatTool = z.looseObject({
  /** `function`; other kinds (`custom`) exist only at OpenAI. */
  type: z.string(),
  function: z
    .looseObject({
      name: z.string().min(1),
      description: z.string().optional(),
      /** JSON Schema of the arguments. */
      parameters: z.record(z.string(), z.unknown()).optional(),
      strict: nullish(z.boolean()),
    })
    .optional(),
});
export type ChatTool = z.infer<typeof ChatTool>;

export const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
]);
export type ToolChoice = z.infer<typeof ToolChoice>;

export const ResponseFormat = z.looseObject({
  type: z.enum(['text', 'json_object', 'json_schema']),
  json_schema: z
    .looseObject({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: nullish(z.boolean()),
    })
    .optional(),
});

const count = z.number().int().positive();

export const ChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({ include_usage: z.boolean().optional() })),
  max_tokens: nullish(count),
  max_completion_tokens: nullish(count),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  n: nullish(count),
  stop: nullish(z.union([z.string(), z.array(z.string())])),
  seed: nullish(z.number().int()),
  presence_penalty: nullish(z.number()),
  frequency_penalty: nullish(z.number()),
  user: nullish(z.string()),
  tools: nullish(z.array(ChatTool)),
  tool_choice: nullish(ToolChoice),
  parallel_tool_calls: nullish(z.boolean()),
  response_format: nullish(ResponseFormat),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/** https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/** A `chat.completion`, as far as translations read and write it. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  /** Unix time, number of seconds. */
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: string | null; tool_calls?: ToolCall[] };
    logprobs: null;
    finish_reason: FinishReason | null;
  }>;
  usage?: ChatUsage;
}

/** One tool call fragment of a chunk: the first carries id, type and name, later ones argument text. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** A `chat.completion.chunk`, one stream event. https://platform.openai.com/docs/api-reference/chat-streaming */
export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null; refusal?: string | null; tool_calls?: ToolCallDelta[] };
    logprobs?: null;
    finish_reason: FinishReason | null;
  }>;
  /** Only on the last chunk of an `include_usage` stream (null on the others). */
  usage?: ChatUsage | null;
}

/** The text of a `content` that may be a string or text parts. */
export function textOf(content: string | readonly { type: string; text?: string }[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
}
