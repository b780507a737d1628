import { RequestRejected } from '../dialect';
import { embeddingVector, float32Base64 } from '../vectors';
import { DEFAULT_DIMENSIONS, parseEmbeddingsRequest, renderEmbeddings } from './embeddings';

function refusal(body: unknown) {
  try {
    parseEmbeddingsRequest(body);
  } catch (err) {
    if (err instanceof RequestRejected) return { status: err.reply.status, ...JSON.parse(err.reply.body).error };
    throw err;
  }
  throw new Error('the body was accepted');
}

describe('embeddings', () => {
  it('renders one float vector per input, in order, with word counts as usage', () => {
    const body = JSON.parse(renderEmbeddings(parseEmbeddingsRequest({ model: 'e', input: ['a b', 'c'] })));
    expect(body).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: Array.from(embeddingVector('a b', DEFAULT_DIMENSIONS)) },
        { object: 'embedding', index: 1, embedding: Array.from(embeddingVector('c', DEFAULT_DIMENSIONS)) },
      ],
      model: 'e',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  });

  it('honours dimensions and base64 encoding', () => {
    const body = JSON.parse(renderEmbeddings(parseEmbeddingsRequest({ model: 'e', input: 'x', dimensions: 3, encoding_format: 'base64' })));
    expect(body.data[0].embedding).toBe(float32Base64(embeddingVector('x', 3)));
  });

  it('accepts token id lists, counting one token per id', () => {
    const req = parseEmbeddingsRequest({ model: 'e', input: [[1, 2, 3], [4]] });
    expect(req.inputs.map((i) => i.tokens)).toEqual([3, 1]);
    expect(parseEmbeddingsRequest({ model: 'e', input: [5, 6] }).inputs).toHaveLength(1);
  });

  it.each([
    ['no input', { model: 'e' }, 'input', 'missing_required_parameter'],
    ['an empty string', { model: 'e', input: '' }, null, null],
    ['an empty list', { model: 'e', input: [] }, null, null],
    ['a list with a non-string', { model: 'e', input: ['a', 3.5] }, null, null],
    ['an unknown encoding', { model: 'e', input: 'a', encoding_format: 'hex' }, 'encoding_format', 'invalid_value'],
    ['zero dimensions', { model: 'e', input: 'a', dimensions: 0 }, 'dimensions', 'integer_below_min_value'],
  ])('refuses %s with 400', (_case, body, param, code) => {
    expect(refusal(body)).toEqual({ status: 400, message: expect.any(String), type: 'invalid_request_error', param, code });
  });
});
