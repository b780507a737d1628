import type { ListedModel } from '@aigw/contracts';
import { anthropicErrorBody } from './anthropic/errors';
import { MessagesRequest } from './anthropic/messages.wire';
import { toChatRequest } from './anthropic/messages.request';
import { toMessage } from './anthropic/messages.response';
import { anthropicEvents } from './anthropic/messages.stream';
import { anthropicModel, anthropicModelPage } from './anthropic/models';
import { ChatRequest, type ChatCompletion } from './openai/chat.wire';
import { openaiEvents } from './openai/chat.stream';
import { openaiModel, openaiModelList } from './openai/models';
import { sseEvent } from './stream/sse-event';
import { parseClientBody } from './translate/request-errors';
import { bind, type ClientEvents } from './translate/stream';
import type { ClientBody, OpenAIErrorBody, Operation } from './types';

/** The wire formats clients speak to the gateway. */
export type ClientFormat = 'openai' | 'anthropic';

/** Each client API's format. */
export const formatOfOperation: Readonly<Record<Operation, ClientFormat>> = {
  chat: 'openai',
  embeddings: 'openai',
  responses: 'openai',
  messages: 'anthropic',
};

/**
 * The client API of a request on a path both APIs share (`/v1/models`) or on none (an unknown URL), to
 * answer it in that API's shapes: Anthropic's SDKs send `anthropic-version` with every request and OpenAI's
 * never do; anything under `/v1/messages` is Anthropic's.
 */
export function clientFormatOf(path: string, anthropicVersion: string | string[] | undefined): ClientFormat {
  return anthropicVersion !== undefined || path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

/**
 * A client format's side of translation: its chat request as the pivot (OpenAI's chat request, checked),
 * the pivot's answer and chunks back in its own shape, and its error shapes.
 */
export interface ClientFormatCodec {
  toChat(body: ClientBody): ChatRequest;
  fromCompletion(completion: ChatCompletion): string;
  events(body: ClientBody): ClientEvents;
  /** The body of an error answer with this status. */
  errorBody(status: number, error: OpenAIErrorBody): unknown;
  /** The in-band event that ends a stream that broke after it started. */
  streamError(status: number, error: OpenAIErrorBody): string;
  /** A model alias as this API's model object (`GET /v1/models/{id}`). */
  model(model: ListedModel): unknown;
  /** The model aliases as this API's list (`GET /v1/models`), paged as its query string asks where the API pages. */
  modelList(models: readonly ListedModel[], query: URLSearchParams): unknown;
}

/** Parsed pivots by client body: the candidates of one request share one translation of its body. */
const pivots = new WeakMap<ClientBody, ChatRequest>();

function memo(body: ClientBody, translate: () => ChatRequest): ChatRequest {
  let chat = pivots.get(body);
  if (!chat) {
    chat = translate();
    pivots.set(body, chat);
  }
  return chat;
}

const includeUsage = (body: ClientBody) => (body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;

export const clientFormats: Readonly<Record<ClientFormat, ClientFormatCodec>> = {
  openai: {
    toChat: (body) => memo(body, () => parseClientBody(ChatRequest, body)),
    fromCompletion: (completion) => JSON.stringify(completion),
    events: (body) => bind(openaiEvents(includeUsage(body))),
    errorBody: (_status, error) => error,
    // OpenAI's SDKs raise an event whose data carries an `error` object.
    streamError: (_status, error) => sseEvent(JSON.stringify(error)),
    model: openaiModel,
    modelList: openaiModelList,
  },
  anthropic: {
    toChat: (body) => memo(body, () => toChatRequest(parseClientBody(MessagesRequest, body))),
    fromCompletion: (completion) => JSON.stringify(toMessage(completion)),
    events: () => bind(anthropicEvents),
    errorBody: anthropicErrorBody,
    // https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events
    streamError: (status, error) => sseEvent(JSON.stringify(anthropicErrorBody(status, error)), 'error'),
    model: anthropicModel,
    modelList: anthropicModelPage,
  },
};
