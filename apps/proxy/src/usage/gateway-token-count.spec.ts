import { countTokens } from 'gpt-tokenizer';
import { completionOf, countGatewayUsage, countTokensYielding, DeliveredCapture, promptOf } from './gateway-token-count';
import { traceIdOf } from './metered-request';

const sse = (events: unknown[]) => Buffer.from(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n');
const chunk = (content: string) => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] });

describe('gateway token count', () => {
  it('gateway count – counts a long text in slices to within a token or two of counting it whole', async () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(2_000);
    const whole = countTokens(text);
    expect(Math.abs((await countTokensYielding(text)) - whole)).toBeLessThanOrEqual(Math.ceil(text.length / 8_192));
  });

  it('gateway count – takes prompt text from messages and tools, never roles, ids or images', () => {
    const prompt = promptOf({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Describe this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks things up' } }],
    });
    expect(prompt.text.split('\n')).toEqual(['Be brief.', 'Describe this', 'lookup', 'Looks things up']);
    expect(prompt.messages).toBe(2);
    expect(promptOf({ model: 'e', input: [[1, 2, 3], [4, 5]] }).tokenIds).toBe(5);
  });

  it('gateway count – finds generated text in OpenAI and Anthropic bodies and stream events', () => {
    expect(completionOf({ choices: [{ message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }] })).toBe('Hi there');
    expect(completionOf({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hel' } })).toBe('Hel');
    expect(completionOf({ type: 'response.output_text.delta', delta: 'lo' })).toBe('lo');
    expect(completionOf({ error: { message: 'The upstream stream broke off', type: 'server_error' } })).toBe('');
  });

  it('gateway count – a cut stream counts the prompt sent and the completion delivered', async () => {
    const delivered = new DeliveredCapture();
    delivered.add(sse([chunk('Hello'), chunk(', world')]).subarray(0, -'data: [DONE]\n\n'.length));
    delivered.add(Buffer.from('data: {"error":{"message":"The upstream stream broke off"}}\n\n'));
    const usage = await countGatewayUsage({ model: 'm', messages: [{ role: 'user', content: 'Say hello to the world' }] }, delivered);
    expect(usage).toEqual({
      promptTokens: countTokens('Say hello to the world') + 3 + 3,
      completionTokens: countTokens('Hello, world'),
      cachedTokens: 0,
    });
  });

  it('gateway count – keeps a stream’s events whole and in order while they fit in the capture', async () => {
    const delivered = new DeliveredCapture();
    const words = Array.from({ length: 150 }, (_, i) => `w${i} `);
    for (const word of words) delivered.add(sse([chunk(word)]).subarray(0, -'data: [DONE]\n\n'.length));
    expect(delivered.completion()).toEqual({ text: words.join(''), scale: 1 });
  });

  it('gateway count – keeps 16 KB of a long stream however long it runs, and extrapolates the rest from it', async () => {
    const delivered = new DeliveredCapture();
    const piece = sse([chunk('word ')]);
    const copies = Math.ceil((2 * 1024 * 1024) / piece.length);
    for (let i = 0; i < copies; i++) delivered.add(piece);
    expect(delivered.completion().scale).toBeCloseTo((copies * piece.length) / (16 * 1024), 6);
    const { completionTokens } = await countGatewayUsage({ model: 'm', input: 'x' }, delivered);
    const exact = countTokens('word '.repeat(copies));
    expect(Math.abs(completionTokens - exact) / exact).toBeLessThan(0.01);
  });

  it('gateway count – counts a whole JSON answer without usage, however large', async () => {
    const delivered = new DeliveredCapture();
    const content = 'a long answer '.repeat(10_000);
    delivered.body(Buffer.from(JSON.stringify({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] })));
    const { completionTokens } = await countGatewayUsage({ model: 'm', input: 'x' }, delivered);
    expect(completionTokens).toBe(countTokens(content));
  });
});

describe('trace id', () => {
  it('trace id – reads a valid W3C traceparent and ignores anything else', () => {
    expect(traceIdOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toBeUndefined();
    expect(traceIdOf({ traceparent: 'garbage' })).toBeUndefined();
    expect(traceIdOf({})).toBeUndefined();
  });
});
