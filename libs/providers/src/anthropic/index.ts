import type { InputModality } from '@aigw/contracts';
import { checkRequest } from '../translate/limits';
import { translatedOperation, unsupportedOperation, type UpstreamChatCodec } from '../translate/operations';
import { bind } from '../translate/stream';
import { countIn, parseUpstreamJson } from '../translate/upstream-json';
import type { ProviderAdapter } from '../types';
import { anthropicApi } from './api';
import { refusals, toMessagesRequest } from './chat.request';
import { parseMessage, toChatCompletion } from './chat.response';
import { anthropicChunks } from './chat.stream';
import { normalizeError } from './errors';
import { messagesStreamEnd } from './stream-end';
import { readEventUsage, readUsage } from './usage';

/** Inputs Claude models take: text, images, PDFs. https://docs.anthropic.com/en/docs/build-with-claude/pdf-support */
const inputs: readonly InputModality[] = ['text', 'image', 'file'];

const codec: UpstreamChatCodec = {
  limits: { refusals, inputs },
  request: (chat, deployment) => ({ path: anthropicApi.messagesPath, body: JSON.stringify(toMessagesRequest(chat, deployment.model)) }),
  completion: (body) => toChatCompletion(parseMessage(body)),
  chunks: () => bind(anthropicChunks),
};

/**
 * Anthropic's Messages API: Messages clients pass through (only the model is rewritten, usage read from the
 * answer), OpenAI chat clients are translated. Anthropic has no embeddings and no Responses API.
 */
export const anthropic: ProviderAdapter = {
  kind: 'anthropic',
  defaultBaseUrl: anthropicApi.defaultBaseUrl,
  headers: anthropicApi.headers,
  normalizeError,
  chat: translatedOperation('openai', codec),
  messages: {
    unsupported: (body, deployment) => checkRequest(body, deployment, { inputs }),
    prepare: (body, deployment) => ({
      path: anthropicApi.messagesPath,
      body: JSON.stringify({ ...body, model: deployment.model }),
      stream: body.stream === true,
      usageAdded: false,
    }),
    readUsage,
    readEventUsage,
    streamEnd: messagesStreamEnd,
  },
  tokenCounters: {
    messages: {
      prepare: (body, deployment) => ({ path: anthropicApi.countTokensPath, body: JSON.stringify({ ...body, model: deployment.model }) }),
      readCount: (answer) => countIn(parseUpstreamJson(answer, 'anthropic'), 'input_tokens', 'anthropic'),
    },
  },
  embeddings: unsupportedOperation((d) => `anthropic (deployment '${d.id}') has no embeddings API.`),
  responses: unsupportedOperation((d) => `The Responses API is served by OpenAI-format upstreams only; anthropic (deployment '${d.id}') is not one.`),
};
