import { keyChecker } from '../credentials';
import { RequestRejected, type Dialect, type Route } from '../dialect';
import { nextId } from '../ids';
import { planChatReply, promptTokensOf } from '../openai/chat-reply';
import { isObject } from '../openai/validate';
import { renderBatchEmbedContents, renderEmbedContent } from './embeddings';
import { bodyTooLarge, faultError, incorrectApiKey, invalidArgument, invalidJson, missingApiKey, modelNotFound, notFound } from './errors';
import { parseGenerateRequest } from './generate-request';
import { renderChunks, renderResponse, sseEvents } from './generate-wire';

export interface GeminiDialectOptions {
  /** The only `x-goog-api-key` accepted; any non-empty one when undefined. */
  apiKey: string | undefined;
  models: readonly string[];
}

const modelPath = (method: string) => new RegExp(`^/gemini/v1beta/models/([^/:]+):${method}$`);

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const generate = (stream: boolean): Route => ({
  name: stream ? 'gemini.streamGenerateContent' : 'gemini.generateContent',
  method: 'POST',
  path: modelPath(stream ? 'streamGenerateContent' : 'generateContent'),
  accept(body, [raw], query) {
    const model = decode(raw!);
    const req = parseGenerateRequest(body, model, stream);
    return {
      model,
      respond(x) {
        const reply = planChatReply(req, x.behavior.chunks);
        const env = { model, responseId: nextId(''), candidates: req.n };
        if (!stream) return x.json({ status: 200, body: renderResponse(reply, env) });
        const chunks = renderChunks(reply, env);
        // Without `alt=sse` the API streams one JSON array of the partial responses.
        if (query.get('alt') === 'sse') x.events(sseEvents(chunks));
        else x.events(chunks.map((c, i) => `${i === 0 ? '[' : ',\r\n'}${c}${i === chunks.length - 1 ? ']' : ''}`), { contentType: 'application/json; charset=UTF-8' });
      },
    };
  },
});

/**
 * `models/{m}:countTokens`: the prompt tokens `generateContent` would report for `contents`, or for a whole
 * `generateContentRequest` (system instruction and tools included); the two exclude each other.
 * https://ai.google.dev/api/tokens#method:-models.counttokens
 */
const countTokensRoute: Route = {
  name: 'gemini.countTokens',
  method: 'POST',
  path: modelPath('countTokens'),
  accept(body, [raw]) {
    const model = decode(raw!);
    if (!isObject(body)) invalidArgument('Invalid JSON payload received. Expected an object.');
    if (body.contents !== undefined && body.generateContentRequest !== undefined) {
      invalidArgument('contents and generate_content_request are mutually exclusive: set one of them.');
    }
    const req = parseGenerateRequest(body.generateContentRequest ?? { contents: body.contents }, model, false);
    const tokens = promptTokensOf(req.messages);
    const counted = JSON.stringify({ totalTokens: tokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: tokens }] });
    return { model, respond: (x) => x.json({ status: 200, body: counted }) };
  },
};

const embedRoute = (batch: boolean): Route => ({
  name: batch ? 'gemini.batchEmbedContents' : 'gemini.embedContent',
  method: 'POST',
  path: modelPath(batch ? 'batchEmbedContents' : 'embedContent'),
  accept(body, [raw]) {
    const out = batch ? renderBatchEmbedContents(body) : renderEmbedContent(body);
    return { model: decode(raw!), respond: (x) => x.json({ status: 200, body: out }) };
  },
});

/** `GET /gemini/v1beta/models` and `/models/{model}`. https://ai.google.dev/api/models */
function modelRoutes(ids: readonly string[]): Route[] {
  const objects = new Map(
    ids.map((id) => [
      id,
      JSON.stringify({
        name: `models/${id}`,
        version: '001',
        displayName: id,
        inputTokenLimit: 1_048_576,
        outputTokenLimit: 8192,
        supportedGenerationMethods: ['generateContent', 'countTokens', 'embedContent'],
      }),
    ]),
  );
  const list = JSON.stringify({ models: [...objects.values()].map((o) => JSON.parse(o)) });
  return [
    { name: 'gemini.models.list', method: 'GET', path: '/gemini/v1beta/models', accept: () => ({ model: undefined, respond: (x) => x.json({ status: 200, body: list }) }) },
    {
      name: 'gemini.models.get',
      method: 'GET',
      path: /^\/gemini\/v1beta\/models\/([^/:]+)$/,
      accept(_body, [raw]) {
        const id = decode(raw!);
        const body = objects.get(id);
        if (body === undefined) throw new RequestRejected(modelNotFound(id));
        return { model: id, respond: (x) => x.json({ status: 200, body }) };
      },
    },
  ];
}

/**
 * The Gemini API under `/gemini/v1beta` (point an SDK's base URL at `<mock>/gemini`): `x-goog-api-key`
 * header, Google's error bodies, `generateContent`, `streamGenerateContent` (SSE with `alt=sse`),
 * `countTokens`, `embedContent` and `batchEmbedContents`.
 */
export function geminiDialect(opts: GeminiDialectOptions): Dialect {
  const accepts = keyChecker(opts.apiKey);
  return {
    name: 'gemini',
    prefix: '/gemini',
    routes: [generate(false), generate(true), countTokensRoute, embedRoute(false), embedRoute(true), ...modelRoutes(opts.models)],
    responseHeaders: () => ({ 'x-goog-request-id': nextId('') }),
    authenticate(headers) {
      const key = headers['x-goog-api-key'];
      if (typeof key !== 'string' || key === '') return missingApiKey();
      return accepts(key) ? undefined : incorrectApiKey();
    },
    invalidJson,
    bodyTooLarge,
    notFound,
    fault: faultError,
  };
}
