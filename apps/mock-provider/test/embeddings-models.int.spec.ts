import OpenAI, { NotFoundError } from 'openai';
import { startMockProvider, type MockProvider } from '../src/server';

describe('embeddings and models through the openai SDK', () => {
  let mock: MockProvider;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockProvider({ models: ['mock-chat', 'mock-embed', 'ft:mock/with-slash'] });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => mock.close());

  it('embeddings – the default (base64) request yields number arrays equal to the float ones', async () => {
    const input = ['first text', 'second'];
    const byDefault = await client.embeddings.create({ model: 'mock-embed', input });
    const floats = await client.embeddings.create({ model: 'mock-embed', input, encoding_format: 'float' });
    expect(byDefault.object).toBe('list');
    expect(byDefault.model).toBe('mock-embed');
    expect(byDefault.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(byDefault.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 8],
      ['embedding', 1, 8],
    ]);
    for (const d of byDefault.data) expect(Array.isArray(d.embedding) && d.embedding.every((x) => typeof x === 'number')).toBe(true);
    expect(byDefault.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding));
    expect(byDefault.data[0].embedding).not.toEqual(byDefault.data[1].embedding);
  });

  it('embeddings – OpenAI’s models answer with their own vector length, a name holding one too', async () => {
    const length = async (model: string) => (await client.embeddings.create({ model, input: 'x' })).data[0]!.embedding.length;
    expect(await length('text-embedding-3-small')).toBe(1536);
    expect(await length('mock-text-embedding-3-small')).toBe(1536);
    expect(await length('text-embedding-3-large')).toBe(3072);
    expect(await length('text-embedding-ada-002')).toBe(1536);
  });

  it('embeddings – the same input embeds the same, and dimensions are honoured', async () => {
    const a = await client.embeddings.create({ model: 'mock-embed', input: 'stable', dimensions: 32 });
    const b = await client.embeddings.create({ model: 'mock-embed', input: ['other', 'stable'], dimensions: 32 });
    expect(a.data[0].embedding).toHaveLength(32);
    expect(b.data[1].embedding).toEqual(a.data[0].embedding);
  });

  it('models – lists the configured models as model objects', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model).toEqual({ id: model.id, object: 'model', created: expect.any(Number), owned_by: 'mock-provider' });
      ids.push(model.id);
    }
    expect(ids).toEqual(['mock-chat', 'mock-embed', 'ft:mock/with-slash']);
  });

  it('models – retrieves one by id, and refuses an unknown one with model_not_found', async () => {
    expect((await client.models.retrieve('mock-chat')).id).toBe('mock-chat');
    expect((await client.models.retrieve('ft:mock/with-slash')).id).toBe('ft:mock/with-slash');
    const err = await client.models.retrieve('gpt-unknown').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
  });
});
