import OpenAI from 'openai';
import { DEFAULT_BEHAVIOR } from '../src/behavior';
import { startMockProvider, type MockProvider } from '../src/server';

describe('control endpoint and ops routes', () => {
  let mock: MockProvider;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 3 } });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.resetBehavior());

  const behavior = (method: string, body?: unknown) =>
    fetch(`${mock.url}/_mock/behavior`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('GET /_mock/behavior – shows the behavior the mock started with', async () => {
    const res = await behavior('GET');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ...DEFAULT_BEHAVIOR, chunks: 3, models: {} });
  });

  it('PUT /_mock/behavior – merges fields and model overrides, and the next request obeys them', async () => {
    await behavior('PUT', { faultStatus: 503 });
    const res = await behavior('PUT', { faultRate: 1, models: { 'calm-model': { faultStatus: null, chunks: 1 } } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ faultStatus: 503, chunks: 3, models: { 'calm-model': { faultStatus: null, chunks: 1 } } });

    await expect(client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 503,
    });
    const calm = await client.chat.completions.create({
      model: 'calm-model',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    const deltas: (string | null | undefined)[] = [];
    for await (const chunk of calm) deltas.push(chunk.choices[0].delta.content);
    expect(deltas).toEqual(['', 'hello', undefined]);
  });

  it('DELETE /_mock/behavior – restores the start behavior and drops the overrides', async () => {
    await behavior('PUT', { ttftMs: 5, models: { m: { chunks: 2 } } });
    const res = await behavior('DELETE');
    expect(await res.json()).toEqual({ ...DEFAULT_BEHAVIOR, chunks: 3, models: {} });
  });

  it('PUT /_mock/behavior – refuses unknown fields, bad values and non-JSON with 400, changing nothing', async () => {
    for (const body of [{ ttft: 5 }, { faultStatus: 200 }, { models: { m: { faultRate: 3 } } }]) {
      const res = await behavior('PUT', body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error' } });
    }
    const bad = await fetch(`${mock.url}/_mock/behavior`, { method: 'PUT', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await (await behavior('GET')).json()).toEqual({ ...DEFAULT_BEHAVIOR, chunks: 3, models: {} });
  });

  it('setBehavior – refuses an invalid patch in-process too', () => {
    expect(() => mock.setBehavior({ chunks: -1 })).toThrow();
  });

  it('/healthz and /readyz – answer ok', async () => {
    const health = await fetch(`${mock.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${mock.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('/metrics – counts requests by route and status, and injected faults by kind', async () => {
    const sample = async () => {
      const text = await (await fetch(`${mock.url}/metrics`)).text();
      const value = (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? 0 : Number(line.slice(series.length + 1));
      };
      return {
        chatOk: value('mock_provider_requests_total{route="openai.chat.completions",status="200",service="mock-provider"}'),
        embeddings500: value('mock_provider_requests_total{route="openai.embeddings",status="500",service="mock-provider"}'),
        statusFaults: value('mock_provider_faults_total{kind="status",service="mock-provider"}'),
      };
    };
    const before = await sample();
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'count me' }] });
    mock.setBehavior({ faultStatus: 500 });
    await client.embeddings.create({ model: 'e', input: 'x' }).catch(() => undefined);
    const after = await sample();
    expect(after).toEqual({
      chatOk: before.chatOk + 1,
      embeddings500: before.embeddings500 + 1,
      statusFaults: before.statusFaults + 1,
    });
  });
});
