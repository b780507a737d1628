import type { Deployment } from '@aigw/contracts';
import { checkRequest } from '../translate/limits';
import { refuse } from '../translate/request-errors';
import { malformed, parseUpstreamJson } from '../translate/upstream-json';
import type { ClientBody, OperationAdapter } from '../types';
import { geminiApi, modelResource } from './api';

/**
 * OpenAI embeddings requests served by Gemini's `batchEmbedContents`, one request per input, and the
 * answer back as OpenAI's `list` of `embedding` objects. Gemini reports no token usage for embeddings, so
 * none is recorded.
 * https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 * https://platform.openai.com/docs/api-reference/embeddings/create
 */

function inputsOf(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string')) return input as string[];
  return refuse('input', "'input' must be a string or a list of strings for gemini, which does not take token ids.");
}

function requestOf(body: ClientBody, deployment: Deployment): string {
  const model = modelResource(deployment.model);
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined;
  const requests = inputsOf(body.input).map((text) => ({
    model,
    content: { parts: [{ text }] },
    ...(dimensions === undefined ? {} : { outputDimensionality: dimensions }),
  }));
  return JSON.stringify({ requests });
}

/** OpenAI's `encoding_format: "base64"`: the vector as little-endian float32s. */
function base64Of(values: readonly number[]): string {
  const buf = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

function listOf(answer: Buffer, body: ClientBody, model: string): string {
  const parsed = parseUpstreamJson(answer, 'gemini') as { embeddings?: Array<{ values?: unknown }> };
  if (!Array.isArray(parsed.embeddings)) throw malformed('gemini', 'a body without embeddings');
  const base64 = body.encoding_format === 'base64';
  const data = parsed.embeddings.map((e, index) => {
    if (!Array.isArray(e?.values)) throw malformed('gemini', 'an embedding without values');
    const values = e.values as number[];
    return { object: 'embedding', index, embedding: base64 ? base64Of(values) : values };
  });
  return JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: 0, total_tokens: 0 } });
}

export const geminiEmbeddings: OperationAdapter = {
  unsupported: (body, deployment) => checkRequest(body, deployment, {}),
  prepare: (body, deployment) => ({
    path: geminiApi.embedPath(deployment.model),
    body: requestOf(body, deployment),
    stream: false,
    usageAdded: false,
    translation: {
      body: (answer) => ({ body: listOf(answer, body, deployment.model), usage: undefined }),
      stream: () => refuse(null, 'Embeddings are never streamed.'),
    },
  }),
  readUsage: () => undefined,
  readEventUsage: () => undefined,
  streamEnd: () => undefined,
};
