import { embeddingVector } from '../vectors';
import { invalidArgument } from './errors';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Vector length when the request sets no `outputDimensionality`. */
export const DEFAULT_DIMENSIONS = 8;

function embed(request: unknown, at: string): { values: number[] } {
  if (!isObject(request) || !isObject(request.content) || !Array.isArray(request.content.parts)) invalidArgument(`* ${at}.content: content is not specified`);
  const text = request.content.parts.map((p: unknown) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
  if (text === '') invalidArgument(`* ${at}.content.parts: text must not be empty`);
  const dims = request.outputDimensionality ?? request.output_dimensionality ?? DEFAULT_DIMENSIONS;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1) invalidArgument(`Invalid value at '${at}.output_dimensionality'`);
  return { values: Array.from(embeddingVector(text, dims)) };
}

/** `embedContent`: `{content, outputDimensionality}` → `{embedding: {values}}`. https://ai.google.dev/api/embeddings#method:-models.embedcontent */
export function renderEmbedContent(raw: unknown): string {
  return JSON.stringify({ embedding: embed(raw, 'EmbedContentRequest') });
}

/** `batchEmbedContents`: `{requests: [...]}` → `{embeddings: [{values}]}`. https://ai.google.dev/api/embeddings#method:-models.batchembedcontents */
export function renderBatchEmbedContents(raw: unknown): string {
  if (!isObject(raw) || !Array.isArray(raw.requests) || raw.requests.length === 0) invalidArgument('* BatchEmbedContentsRequest.requests: requests is not specified');
  return JSON.stringify({ embeddings: raw.requests.map((r: unknown, i) => embed(r, `requests[${i}]`)) });
}
