import OpenAI, { APIConnectionError, InternalServerError, RateLimitError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { startMockProvider, type MockProvider } from '../src/server';

const messages = [{ role: 'user' as const, content: 'abcdefgh' }];

describe('fault injection', () => {
  let mock: MockProvider;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 4 } });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.resetBehavior());

  /** Chunks read before the stream ended, and the error it ended with, if any. */
  async function drain(stream: AsyncIterable<ChatCompletionChunk>) {
    const chunks: ChatCompletionChunk[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk);
    } catch (error) {
      return { chunks, error };
    }
    return { chunks, error: undefined };
  }

  it('status 500 – the SDK raises InternalServerError with OpenAI’s server_error body', async () => {
    mock.setBehavior({ faultStatus: 500 });
    const err = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err).toMatchObject({ status: 500, type: 'server_error', code: null, param: null });
    expect((err as InternalServerError).requestID).toMatch(/^req_/);
  });

  it('status 429 – the SDK raises RateLimitError and sees retry-after', async () => {
    mock.setBehavior({ faultStatus: 429, faultRetryAfterS: 3 });
    const err = await client.embeddings.create({ model: 'e', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, type: 'requests', code: 'rate_limit_exceeded' });
    expect((err as RateLimitError).headers?.get('retry-after')).toBe('3');
  });

  it('status on a stream – refused before any event, so the SDK raises the status error', async () => {
    mock.setBehavior({ faultStatus: 503 });
    const err = await client.chat.completions.create({ model: 'm', messages, stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err).toMatchObject({ status: 503 });
  });

  it('fault rate – faults that share of requests, evenly', async () => {
    mock.setBehavior({ faultStatus: 500, faultRate: 0.5 });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      outcomes.push(await client.chat.completions.create({ model: 'm', messages }).then(
        () => 'ok',
        (e: { status: number }) => String(e.status),
      ));
    }
    expect(outcomes).toEqual(['ok', '500', 'ok', '500', 'ok', '500']);
  });

  it('per-model override – faults only the named model', async () => {
    mock.setBehavior({ models: { 'broken-model': { faultStatus: 502 } } });
    await expect(client.chat.completions.create({ model: 'healthy-model', messages })).resolves.toBeDefined();
    await expect(client.chat.completions.create({ model: 'broken-model', messages })).rejects.toMatchObject({ status: 502 });
  });

  it('mid-stream cut – the SDK stream throws after exactly the events sent, with no [DONE]', async () => {
    mock.setBehavior({ faultMidstreamAfter: 3 });
    const { chunks, error } = await drain(await client.chat.completions.create({ model: 'm', messages, stream: true }));
    // undici's own words for a body cut short.
    expect(error).toMatchObject({ message: 'terminated' });
    expect(chunks.map((c) => c.choices[0].delta.content)).toEqual(['', 'ab', 'cd']);
  });

  it('mid-stream cut after 0 events – status 200 and headers arrive, then the stream throws', async () => {
    mock.setBehavior({ faultMidstreamAfter: 0 });
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await expect(res.text()).rejects.toThrow();
  });

  it('mid-stream cut – leaves non-stream answers alone', async () => {
    mock.setBehavior({ faultMidstreamAfter: 1 });
    const res = await client.chat.completions.create({ model: 'm', messages });
    expect(res.choices[0].message.content).toBe('abcdefgh');
  });

  it('reset – the connection is reset before any answer and the SDK raises APIConnectionError', async () => {
    mock.setBehavior({ faultReset: true });
    const err = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    mock.resetBehavior();
    await expect(client.chat.completions.create({ model: 'm', messages })).resolves.toBeDefined();
  });

  it('slow headers – delays the status line by the configured time', async () => {
    mock.setBehavior({ faultSlowHeadersMs: 150 });
    const started = performance.now();
    const res = await fetch(`${mock.url}/v1/models`, { headers: { authorization: 'Bearer k' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('pacing – time to first token and the delay between chunks shape a stream; the closing chunks follow at once', async () => {
    mock.setBehavior({ ttftMs: 120, chunkDelayMs: 100 });
    const started = performance.now();
    const stamps: number[] = [];
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
    const { chunks, error } = await drain(
      (async function* () {
        for await (const chunk of stream) {
          stamps.push(performance.now() - started);
          yield chunk;
        }
      })(),
    );
    expect(error).toBeUndefined();
    // The opening delta, four pieces 100 ms apart, then the finish and usage chunks as generation ends:
    // paced, the two would take two delays (200 ms); under one delay leaves room for a loaded machine.
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? (c.usage ? 'usage' : null))).toEqual([null, null, null, null, null, 'stop', 'usage']);
    expect(stamps[0]).toBeGreaterThanOrEqual(110);
    expect(stamps[4]! - stamps[0]!).toBeGreaterThanOrEqual(4 * 100 - 15);
    expect(stamps[6]! - stamps[4]!).toBeLessThan(100);
  });

  it('pacing – jitter spreads the time to first token of concurrent requests around ttftMs', async () => {
    // Open the 20 connections first, so connection setup on a loaded machine does not blur the spread.
    await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create({ model: 'm', messages })));
    mock.setBehavior({ ttftMs: 120, ttftJitterMs: 80 });
    const started = performance.now();
    const took = await Promise.all(
      Array.from({ length: 20 }, async () => {
        await client.chat.completions.create({ model: 'm', messages });
        return performance.now() - started;
      }),
    );
    // 20 uniform draws over 160 ms spread by far more than 40 ms; without jitter they all take 120 ms.
    // The band's upper edge is drawTtftMs's spec: here a busy machine only ever adds time.
    expect(Math.min(...took)).toBeGreaterThanOrEqual(35);
    expect(Math.max(...took) - Math.min(...took)).toBeGreaterThan(40);
  });

  it('pacing – time to first token delays a non-stream answer', async () => {
    mock.setBehavior({ ttftMs: 100 });
    const started = performance.now();
    await client.chat.completions.create({ model: 'm', messages });
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});

describe('the malformed-answer fault', () => {
  let mock: MockProvider;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 4, faultMalformed: true } });
  });
  afterAll(() => mock.close());

  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('malformed – answers 200 with half of the JSON body', async () => {
    const res = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hello there' }] }, { authorization: 'Bearer k' });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('malformed – ends a stream with the second event cut in half, in every dialect', async () => {
    const anthropic = await post(
      '/anthropic/v1/messages',
      { model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hello there' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    );
    const events = (await anthropic.text()).split('\n\n').filter(Boolean);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(/^event: message_start\n/);
    expect(() => JSON.parse(events[1]!.split('data: ')[1]!)).toThrow();
  });
});
