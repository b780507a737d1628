import type { ChatRequest } from '../openai/chat.wire';
import { translatedOperation, unsupportedOperation, type UpstreamChatCodec } from '../translate/operations';
import { bind } from '../translate/stream';
import type { ProviderAdapter } from '../types';
import { geminiApi } from './api';
import { refusals, toGenerateContentRequest } from './chat.request';
import { parseGenerateContent, toChatCompletion } from './chat.response';
import { geminiChunks } from './chat.stream';
import { geminiEmbeddings } from './embeddings';
import { normalizeError } from './errors';

const codec: UpstreamChatCodec = {
  limits: { refusals },
  request: (chat: ChatRequest, deployment) => ({
    path: geminiApi.generatePath(deployment.model, chat.stream === true),
    body: JSON.stringify(toGenerateContentRequest(chat)),
  }),
  completion: (body) => toChatCompletion(parseGenerateContent(body)),
  chunks: () => bind(geminiChunks),
};

/** The Gemini API: every client format is translated (chat, messages, embeddings); there is no Responses API. */
export const gemini: ProviderAdapter = {
  kind: 'gemini',
  defaultBaseUrl: geminiApi.defaultBaseUrl,
  headers: geminiApi.headers,
  normalizeError,
  chat: translatedOperation('openai', codec),
  messages: translatedOperation('anthropic', codec),
  embeddings: geminiEmbeddings,
  responses: unsupportedOperation((d) => `The Responses API is served by OpenAI-format upstreams only; gemini (deployment '${d.id}') is not one.`),
};
