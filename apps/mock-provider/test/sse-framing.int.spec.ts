import { startMockProvider, type MockProvider } from '../src/server';

describe('raw SSE framing', () => {
  let mock: MockProvider;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 2 } });
  });
  afterAll(() => mock.close());

  it('streams exactly `data: <json>\\n\\n` events ending with `data: [DONE]\\n\\n`', async () => {
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'raw-model',
        messages: [{ role: 'user', content: 'Hi!' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const raw = await res.text();

    const id = /"id":"(chatcmpl-[0-9a-z]+)"/.exec(raw)?.[1];
    const created = /"created":(\d+)/.exec(raw)?.[1];
    expect(id).toBeDefined();
    const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"raw-model","service_tier":"default","system_fingerprint":"fp_mock","choices":[`;
    const usage =
      '{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,' +
      '"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},' +
      '"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}';
    expect(raw).toBe(
      `${head}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `${head}{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `${head}{"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n` +
        `${head}],"usage":${usage}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('a 20,000-event stream to a reader that starts late arrives whole and in order', async () => {
    mock.setBehavior({ chunks: 20_000 });
    const text = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    try {
      const res = await fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: text }] }),
      });
      const reader = res.body!.getReader();
      // Socket buffers fill meanwhile, so the mock has to wait for drain and resume.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const decoder = new TextDecoder();
      let raw = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) raw += decoder.decode(r.value, { stream: true });
      const events = raw.split('\n\n').filter(Boolean);
      expect(events).toHaveLength(20_003);
      expect(events[events.length - 1]).toBe('data: [DONE]');
      const content = events
        .slice(1, -2)
        .map((e) => JSON.parse(e.slice('data: '.length)).choices[0].delta.content)
        .join('');
      expect(content).toBe(text);
    } finally {
      mock.resetBehavior();
    }
  });
});
