import type { Route } from '../dialect';
import { countWords } from '../text';
import { embeddingVector, float32Base64 } from '../vectors';
import { fail, invalidValue, missing, optionalInteger, requireBody, requireModel } from './validate';

/** Vector length when the request sets no `dimensions` and the model is none of OpenAI's; small, since the numbers mean nothing. */
export const DEFAULT_DIMENSIONS = 8;

/**
 * OpenAI's embedding models and their vectors' length when a request sets no `dimensions`; a model whose
 * name holds one of them (`mock-text-embedding-3-small`) answers like it.
 * https://platform.openai.com/docs/guides/embeddings#embedding-models
 */
const MODEL_DIMENSIONS: ReadonlyArray<readonly [string, number]> = [
  ['text-embedding-3-large', 3072],
  ['text-embedding-3-small', 1536],
  ['text-embedding-ada-002', 1536],
];

export function defaultDimensions(model: string): number {
  return MODEL_DIMENSIONS.find(([name]) => model.includes(name))?.[1] ?? DEFAULT_DIMENSIONS;
}

const ENCODINGS = ['float', 'base64'] as const;

/** One input to embed: text, or a list of token ids as the API also accepts. */
interface EmbeddingInput {
  /** What the vector is derived from. */
  key: string;
  tokens: number;
}

export interface EmbeddingsRequest {
  model: string;
  inputs: EmbeddingInput[];
  dimensions: number;
  encoding: (typeof ENCODINGS)[number];
}

function invalidInput(): never {
  fail("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
}

const isTokenList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t));

function parseInputs(input: unknown): EmbeddingInput[] {
  if (input === undefined || input === null) missing('input');
  const text = (s: unknown): EmbeddingInput => {
    if (typeof s !== 'string' || s === '') invalidInput();
    return { key: s, tokens: countWords(s) };
  };
  const tokens = (t: number[]): EmbeddingInput => ({ key: `tokens:${t.join(',')}`, tokens: t.length });
  if (typeof input === 'string') return [text(input)];
  if (!Array.isArray(input) || input.length === 0) invalidInput();
  if (isTokenList(input)) return [tokens(input)];
  return input.map((item: unknown) => (isTokenList(item) ? tokens(item) : text(item)));
}

/** Validates an embeddings body for the fields the mock reads; throws `RequestRejected`. */
export function parseEmbeddingsRequest(raw: unknown): EmbeddingsRequest {
  const body = requireBody(raw);
  const model = requireModel(body);
  const inputs = parseInputs(body.input);
  const dimensions = optionalInteger(body, 'dimensions', 1, 16_384) ?? defaultDimensions(model);
  const encoding = body.encoding_format ?? 'float';
  if (!ENCODINGS.includes(encoding as (typeof ENCODINGS)[number])) invalidValue('encoding_format', encoding, ENCODINGS);
  return { model, inputs, dimensions, encoding: encoding as EmbeddingsRequest['encoding'] };
}

/**
 * The `list` of `embedding` objects, in input order. Float vectors are the float32 values widened, so
 * `encoding_format: "base64"` (which the openai SDK asks for by default and decodes) yields the same numbers.
 * https://platform.openai.com/docs/api-reference/embeddings/object
 */
export function renderEmbeddings(req: EmbeddingsRequest): string {
  let tokens = 0;
  const data = req.inputs.map((input, index) => {
    tokens += input.tokens;
    const vector = embeddingVector(input.key, req.dimensions);
    const embedding = req.encoding === 'base64' ? float32Base64(vector) : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model: req.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** `POST /v1/embeddings`. */
export const embeddingsRoute: Route = {
  name: 'openai.embeddings',
  method: 'POST',
  path: '/v1/embeddings',
  accept(body) {
    const req = parseEmbeddingsRequest(body);
    return { model: req.model, respond: (x) => x.json({ status: 200, body: renderEmbeddings(req) }) };
  },
};
