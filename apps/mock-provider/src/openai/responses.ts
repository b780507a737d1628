import type { Route } from '../dialect';
import { nextId } from '../ids';
import type { ChatMessage, ChatRequest } from './chat-request';
import { planChatReply, promptTokensOf, type ChatReply } from './chat-reply';
import { checkSampling, fail, isObject, missing, optionalBoolean, optionalInteger, requireBody, requireModel, RESPONSES_SAMPLING, wrongType } from './validate';

/**
 * OpenAI's Responses API, text answers only (tools are accepted and never called): the `response` object,
 * or with `stream: true` its documented event sequence, `response.completed` last with the usage.
 * https://platform.openai.com/docs/api-reference/responses/create
 * https://platform.openai.com/docs/api-reference/responses-streaming
 */

function contentText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) wrongType(param, 'a string or an array of content parts', content);
  return content.map((part: unknown) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('\n');
}

export function parseResponsesRequest(raw: unknown): ChatRequest {
  const body = requireBody(raw);
  const model = requireModel(body);
  const messages: ChatMessage[] = [];
  if (typeof body.instructions === 'string') messages.push({ role: 'system', text: body.instructions });
  const input = body.input;
  if (input === undefined || input === null) missing('input');
  if (typeof input === 'string') messages.push({ role: 'user', text: input });
  else if (Array.isArray(input)) {
    input.forEach((item: unknown, i) => {
      if (!isObject(item)) wrongType(`input[${i}]`, 'an object', item);
      if (item.type === 'function_call_output') messages.push({ role: 'tool', text: String(item.output ?? '') });
      else if (item.role === 'user' || item.role === 'system' || item.role === 'developer' || item.role === 'assistant') {
        messages.push({ role: item.role, text: contentText(item.content, `input[${i}].content`) });
      }
    });
  } else wrongType('input', 'a string or an array', input);
  if (messages.length === 0) fail("Invalid 'input': no message to answer.", 'input', 'empty_array');
  checkSampling(body, RESPONSES_SAMPLING);
  return {
    model,
    messages,
    stream: optionalBoolean(body, 'stream') ?? false,
    includeUsage: false,
    n: 1,
    maxTokens: optionalInteger(body, 'max_output_tokens', 16, Number.MAX_SAFE_INTEGER),
    tools: [],
    toolChoice: 'none',
  };
}

interface Envelope {
  id: string;
  messageId: string;
  createdAt: number;
  model: string;
}

function usage(reply: ChatReply) {
  return {
    input_tokens: reply.promptTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.promptTokens + reply.completionTokens,
  };
}

function responseObject(reply: ChatReply, env: Envelope, done: boolean) {
  const text = reply.pieces.join('');
  const incomplete = reply.finishReason === 'length';
  return {
    id: env.id,
    object: 'response',
    created_at: env.createdAt,
    status: done ? (incomplete ? 'incomplete' : 'completed') : 'in_progress',
    error: null,
    incomplete_details: done && incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: null,
    max_output_tokens: null,
    model: env.model,
    output: done
      ? [{ type: 'message', id: env.messageId, status: incomplete ? 'incomplete' : 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }]
      : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: done ? usage(reply) : null,
    user: null,
    metadata: {},
  };
}

/** How many of `renderEvents`' events close the stream: the three `.done` events and the final response. */
const CLOSING_EVENTS = 4;

function renderEvents(reply: ChatReply, env: Envelope): string[] {
  let sequence = 0;
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const item = { id: env.messageId, output_index: 0, content_index: 0 };
  const text = reply.pieces.join('');
  const final = responseObject(reply, env, true);
  return [
    event('response.created', { response: responseObject(reply, env, false) }),
    event('response.in_progress', { response: responseObject(reply, env, false) }),
    event('response.output_item.added', { output_index: 0, item: { type: 'message', id: env.messageId, status: 'in_progress', role: 'assistant', content: [] } }),
    event('response.content_part.added', { item_id: env.messageId, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
    ...reply.pieces.map((delta) => event('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta })),
    event('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text }),
    event('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text, annotations: [] } }),
    event('response.output_item.done', { output_index: 0, item: final.output[0] }),
    event(final.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final }),
  ];
}

/** `POST /v1/responses`, streamed or not. */
export const responsesRoute: Route = {
  name: 'openai.responses',
  method: 'POST',
  path: '/v1/responses',
  accept(body) {
    const req = parseResponsesRequest(body);
    return {
      model: req.model,
      respond(x) {
        const reply = planChatReply(req, x.behavior.chunks);
        const env = { id: nextId('resp_'), messageId: nextId('msg_'), createdAt: Math.floor(Date.now() / 1000), model: req.model };
        if (req.stream) x.events(renderEvents(reply, env), { closing: CLOSING_EVENTS });
        else x.json({ status: 200, body: JSON.stringify(responseObject(reply, env, true)) });
      },
    };
  },
};

/**
 * `POST /v1/responses/input_tokens`: the input tokens a response to the same body would report.
 * https://platform.openai.com/docs/api-reference/responses/input-tokens
 */
export const inputTokensRoute: Route = {
  name: 'openai.responses.input_tokens',
  method: 'POST',
  path: '/v1/responses/input_tokens',
  accept(body) {
    const req = parseResponsesRequest(body);
    const counted = JSON.stringify({ object: 'response.input_tokens', input_tokens: promptTokensOf(req.messages) });
    return { model: req.model, respond: (x) => x.json({ status: 200, body: counted }) };
  },
};
