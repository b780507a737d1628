import OpenAI, { AuthenticationError, BadRequestError } from 'openai';
import { startMockProvider, type MockProvider } from '../src/server';

const KEY = 'sk-mock-secret';

describe('error answers in OpenAI’s shape', () => {
  let mock: MockProvider;

  beforeAll(async () => {
    mock = await startMockProvider({ apiKey: KEY });
  });
  afterAll(() => mock.close());

  const post = (path: string, body: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) =>
    fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('400 – a body that is not JSON', async () => {
    const res = await post('/v1/chat/completions', '{"model": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      error: { message: expect.stringContaining('could not parse the JSON body'), type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('400 – missing model and missing messages, through the SDK error classes', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const noModel = await client.chat.completions
      .create({ messages: [{ role: 'user', content: 'x' }] } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(noModel).toBeInstanceOf(BadRequestError);
    expect(noModel).toMatchObject({ status: 400, type: 'invalid_request_error', param: null, message: '400 you must provide a model parameter' });

    const noMessages = await client.chat.completions
      .create({ model: 'm' } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(noMessages).toBeInstanceOf(BadRequestError);
    expect(noMessages).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
  });

  it('400 – a sampling parameter out of OpenAI’s range, on chat completions and the Responses API', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const hot = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 5 }).catch((e: unknown) => e);
    expect(hot).toBeInstanceOf(BadRequestError);
    expect(hot).toMatchObject({ param: 'temperature', code: 'decimal_above_max_value', message: expect.stringContaining('Expected a value <= 2, but got 5 instead.') });
    const topP = await client.responses.create({ model: 'm', input: 'x', top_p: 1.5 }).catch((e: unknown) => e);
    expect(topP).toBeInstanceOf(BadRequestError);
    expect(topP).toMatchObject({ param: 'top_p', code: 'decimal_above_max_value' });
  });

  it('413 – a body over 32 MiB, Anthropic’s limit and the gateway’s', async () => {
    const res = await post('/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { message: 'Request body too large; the limit is 33554432 bytes.', type: 'invalid_request_error' } });
  });

  it('400 – embeddings without input', async () => {
    const res = await post('/v1/embeddings', JSON.stringify({ model: 'e' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: "Missing required parameter: 'input'.", type: 'invalid_request_error', param: 'input', code: 'missing_required_parameter' },
    });
  });

  it('401 – no Authorization header, or no bearer in it', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: KEY }, { authorization: 'Bearer ' }];
    for (const headers of attempts) {
      const res = await post('/v1/chat/completions', '{}', headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: { message: expect.stringContaining("didn't provide an API key"), type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
      });
    }
  });

  it('401 – a key other than MOCK_PROVIDER_API_KEY, without echoing it', async () => {
    const client = new OpenAI({ apiKey: 'sk-wrong-key', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const err = await client.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect((err as Error).message).not.toContain('sk-wrong-key');
  });

  it('the right key passes', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await expect(client.models.list()).resolves.toBeDefined();
  });

  it('404 – an unknown URL names the method and path', async () => {
    const res = await post('/v1/completions/legacy', '{}');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Invalid URL (POST /v1/completions/legacy)', type: 'invalid_request_error', param: null, code: null },
    });
  });
});
