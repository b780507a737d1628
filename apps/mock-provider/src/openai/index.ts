import { keyChecker } from '../credentials';
import type { Dialect } from '../dialect';
import { nextId } from '../ids';
import { chatCompletionsRoute } from './chat';
import { embeddingsRoute } from './embeddings';
import { bodyTooLarge, faultError, incorrectApiKey, invalidJson, invalidUrl, missingApiKey } from './errors';
import { modelRoutes } from './models';
import { inputTokensRoute, responsesRoute } from './responses';

export interface OpenAIDialectOptions {
  /** The only bearer token accepted; any non-empty one when undefined. */
  apiKey: string | undefined;
  /** Model ids listed by `GET /v1/models`. */
  models: readonly string[];
  /** `created` of the listed models, Unix time in seconds. */
  modelsCreated: number;
}

const BEARER = /^Bearer\s+(\S.*)$/i;

/** The OpenAI API under `/v1`: chat completions, responses (and their input token count), embeddings and models, with bearer auth. */
export function openaiDialect(opts: OpenAIDialectOptions): Dialect {
  const accepts = keyChecker(opts.apiKey);
  return {
    name: 'openai',
    routes: [chatCompletionsRoute, embeddingsRoute, responsesRoute, inputTokensRoute, ...modelRoutes(opts.models, opts.modelsCreated)],
    responseHeaders: () => ({ 'x-request-id': nextId('req_'), 'openai-version': '2020-10-01' }),
    authenticate(headers) {
      const match = BEARER.exec(headers.authorization ?? '');
      if (!match) return missingApiKey();
      return accepts(match[1].trim()) ? undefined : incorrectApiKey();
    },
    invalidJson,
    bodyTooLarge,
    notFound: invalidUrl,
    fault: faultError,
  };
}
