import { countTokens } from 'gpt-tokenizer';
import { APIError } from 'openai';
import { keys, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const messages = [{ role: 'user' as const, content: 'Count' }];

/** Streams `model` through the SDK to its end: the text received, the error the SDK threw, and the request id. */
async function streamOf(model: string): Promise<{ text: string; err: unknown; requestId: string }> {
  const { data: stream, request_id } = await h.client().chat.completions.create({ model, messages, stream: true }).withResponse();
  let text = '';
  const err = await (async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  })().catch((e: unknown) => e);
  return { text, err, requestId: request_id! };
}

describe('proxy – streams that end badly', () => {
  it('proxy – ends a stream cut by the upstream with an in-band error the SDK throws, and meters it incomplete', async () => {
    const { text, err, requestId } = await streamOf('gpt-cut');
    expect(text).toBe('Hello');
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ code: 'upstream_error', type: 'server_error' });
    expect((err as APIError).message).toContain("deployment 'dep-cut'");
    expect(await h.usageEvent(requestId)).toMatchObject({
      deploymentId: 'dep-cut',
      stream: true,
      status: 200,
      incomplete: true,
      // The upstream reported no usage: the gateway counted the prompt it sent (plus the chat format's
      // overhead of 3 tokens per message and 3 for the reply) and the text the client received.
      usageSource: 'gateway',
      promptTokens: countTokens('Count') + 3 + 3,
      completionTokens: countTokens('Hello'),
    });
  });

  it.each([
    ['ends cleanly in the middle of an event', 'gpt-half-event', /broke off in the middle of an event/],
    ['ends without data: [DONE]', 'gpt-no-done', /ended without its final event/],
  ])('proxy – a same-format stream that %s gets an in-band error instead of the broken bytes, and is metered incomplete', async (_what, model, words) => {
    const { text, err, requestId } = await streamOf(model);
    expect(text).toBe('Hello');
    // The SDK's own error for the gateway's error event, never a SyntaxError over half a JSON event.
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ code: 'upstream_error', type: 'server_error' });
    expect((err as APIError).message).toMatch(words);
    expect(await h.usageEvent(requestId)).toMatchObject({ stream: true, incomplete: true });
  });

  it('proxy – relays the upstream’s own in-band error event as it is, and meters the stream incomplete', async () => {
    const { err, requestId } = await streamOf('gpt-error-event');
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).message).toMatch(/The model is overloaded/);
    expect(await h.usageEvent(requestId)).toMatchObject({ stream: true, incomplete: true });
  });

  it('proxy – sends no [DONE] after the in-band error', async () => {
    const res = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.good}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-cut', messages, stream: true }),
    });
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toMatch(/^data: \{"error":\{"message":".+","type":"server_error","param":null,"code":"upstream_error"\}\}$/);
    expect(text).not.toContain('[DONE]');
  });

  it('proxy – aborts the upstream request within 100 ms of the client going away, and meters it incomplete', async () => {
    const { data: stream, request_id } = await h.client().chat.completions.create({ model: 'gpt-slow', messages, stream: true }).withResponse();
    let abortedAt = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content === ' 3') {
        abortedAt = performance.now();
        stream.controller.abort();
      }
    }
    const upstreamRequest = h.upstream.requestsFor('up-slow').at(-1)!;
    const deadline = Date.now() + 2_000;
    while (upstreamRequest.abortedAt === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(upstreamRequest.abortedAt).toBeDefined();
    expect(upstreamRequest.abortedAt! - abortedAt).toBeLessThan(100);
    const event = await h.usageEvent(request_id!);
    expect(event).toMatchObject({ deploymentId: 'dep-slow', status: 200, incomplete: true, usageSource: 'gateway' });
    expect(event.completionTokens).toBeGreaterThanOrEqual(countTokens(' 1 2 3'));
  });
});

describe('proxy – shutdown', () => {
  it('proxy – lets an in-flight stream finish, refuses new connections and flushes its usage on close', async () => {
    const other = await h.startAnotherProxy();
    const { data: stream, request_id } = await h
      .client()
      .withOptions({ baseURL: `${other.url}/v1` })
      .chat.completions.create({ model: 'gpt-slow', messages, stream: true })
      .withResponse();
    let closing: Promise<void> | undefined;
    let count = 0;
    for await (const chunk of stream) {
      count += 1;
      if (chunk.choices[0]?.delta.content === ' 0') closing = other.close();
    }
    expect(count).toBeGreaterThan(100);
    await closing;
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
    expect(await h.usageEvent(request_id!)).toMatchObject({ incomplete: false, usageSource: 'upstream' });
  });
});
