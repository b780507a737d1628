import type { ChatRequest } from '../openai/chat.wire';
import { translatedOperation, unsupportedOperation, type UpstreamChatCodec } from '../translate/operations';
import { clientFormats } from '../formats';
import { bind } from '../translate/stream';
import { countIn, parseUpstreamJson } from '../translate/upstream-json';
import type { ProviderAdapter } from '../types';
import { geminiApi, modelResource } from './api';
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
  // The whole request is counted (`generateContentRequest`): system instruction and tools count too.
  tokenCounters: {
    messages: {
      prepare(body, deployment) {
        // A count takes no max_tokens, which the Messages shape requires; the request counted has none either.
        const chat = clientFormats.anthropic.toChat({ ...body, max_tokens: 1 });
        const request = toGenerateContentRequest({ ...chat, max_completion_tokens: undefined });
        return {
          path: geminiApi.countTokensPath(deployment.model),
          body: JSON.stringify({ generateContentRequest: { model: modelResource(deployment.model), ...request } }),
        };
      },
      readCount: (answer) => countIn(parseUpstreamJson(answer, 'gemini'), 'totalTokens', 'gemini'),
    },
  },
  embeddings: geminiEmbeddings,
  responses: unsupportedOperation((d) => `The Responses API is served by OpenAI-format upstreams only; gemini (deployment '${d.id}') is not one.`),
};
