import type { ProviderAdapter } from '../types';
import { openaiApi } from './api';
import { prepareChat } from './chat.request';
import { prepareEmbeddings } from './embeddings.request';
import { normalizeError } from './errors';
import { readEventUsage, readUsage } from './usage';

/** OpenAI and every server that speaks its wire format: requests are rewritten, responses pass through. */
export const openai: ProviderAdapter = {
  kind: 'openai',
  headers: openaiApi.headers,
  normalizeError,
  chat: { path: openaiApi.chatPath, prepare: prepareChat, readUsage, readEventUsage },
  embeddings: { path: openaiApi.embeddingsPath, prepare: prepareEmbeddings, readUsage, readEventUsage },
};
