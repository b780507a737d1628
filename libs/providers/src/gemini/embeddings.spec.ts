import { InvalidRequestError } from '@aigw/contracts';
import { deploymentOf, fixture } from '../../test/fixtures';
import { gemini } from '.';

const deployment = deploymentOf('gemini', { model: 'gemini-embedding-001' });

describe('gemini embeddings (OpenAI embeddings → batchEmbedContents)', () => {
  it('gemini embeddings – sends one request per input with the output dimensionality', () => {
    const prepared = gemini.embeddings.prepare({ model: 'alias', input: ['What is life?', 'How are you?'], dimensions: 3 }, deployment);
    expect(prepared.path).toBe('/models/gemini-embedding-001:batchEmbedContents');
    expect(JSON.parse(prepared.body)).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'What is life?' }] }, outputDimensionality: 3 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'How are you?' }] }, outputDimensionality: 3 },
      ],
    });
  });

  it('gemini embeddings – answers OpenAI’s list, as floats or as base64 float32s', () => {
    const floats = gemini.embeddings.prepare({ model: 'alias', input: ['a', 'b'] }, deployment).translation!.body(fixture('gemini', 'batch-embed.json'));
    expect(JSON.parse(floats.body)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.013168523, -0.008711934, -0.046782676] },
        { object: 'embedding', index: 1, embedding: [-0.020497112, 0.0048301802, 0.0031125774] },
      ],
      model: 'gemini-embedding-001',
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
    expect(floats.usage).toBeUndefined();
    const b64 = gemini.embeddings.prepare({ model: 'alias', input: 'a', encoding_format: 'base64' }, deployment).translation!.body(fixture('gemini', 'batch-embed.json'));
    const first = Buffer.from(JSON.parse(b64.body).data[0].embedding, 'base64');
    expect(first.readFloatLE(0)).toBeCloseTo(0.013168523, 6);
    expect(first.length).toBe(12);
  });

  it('gemini embeddings – refuses token id input', () => {
    expect(() => gemini.embeddings.prepare({ model: 'alias', input: [1, 2, 3] }, deployment)).toThrow(InvalidRequestError);
  });
});
