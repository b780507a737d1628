import type { ChatReply } from './chat-reply';
import { chatUsage, DONE_EVENT, renderChunks, renderCompletion, type ChatEnvelope } from './chat-wire';

const text: ChatReply = { toolName: undefined, pieces: ['Hel', 'lo "you"'], finishReason: 'stop', promptTokens: 5, completionTokens: 2 };
const call: ChatReply = { toolName: 'get_weather', pieces: ['{"city"', ':"Paris"}'], finishReason: 'tool_calls', promptTokens: 1, completionTokens: 2 };
const envelope = (n = 1): ChatEnvelope => ({
  id: 'chatcmpl-abc',
  created: 1700000000,
  model: 'gpt-"mock"',
  n,
  callIds: Array.from({ length: n }, (_, i) => `call_${i}`),
});

/** The JSON payload of each `data:` event but `[DONE]`, checking the framing on the way. */
function payloads(events: string[]) {
  expect(events[events.length - 1]).toBe(DONE_EVENT);
  return events.slice(0, -1).map((e) => {
    expect(e.startsWith('data: ')).toBe(true);
    expect(e.endsWith('\n\n')).toBe(true);
    expect(e.slice(6, -2)).not.toContain('\n');
    return JSON.parse(e.slice(6, -2));
  });
}

describe('chat wire', () => {
  it('completion – carries the message, usage and the requested model', () => {
    expect(JSON.parse(renderCompletion(text, envelope()))).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 1700000000,
      model: 'gpt-"mock"',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello "you"', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: chatUsage(text, 1),
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
    });
  });

  it('completion – gives every choice its own tool call id and counts all choices in usage', () => {
    const body = JSON.parse(renderCompletion(call, envelope(2)));
    expect(body.choices.map((c: { message: { tool_calls: unknown } }) => c.message.tool_calls)).toEqual([
      [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    ]);
    expect(body.choices[0].message.content).toBeNull();
    expect(body.usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 });
  });

  it('stream – role chunk, one chunk per piece, finish chunk, [DONE]; no usage field without include_usage', () => {
    const chunks = payloads(renderChunks(text, envelope(), false));
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: '', refusal: null },
      { content: 'Hel' },
      { content: 'lo "you"' },
      {},
    ]);
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: 'chatcmpl-abc', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-"mock"' });
      expect('usage' in c).toBe(false);
    }
  });

  it('stream – with include_usage every chunk has usage null and a last chunk without choices has the usage', () => {
    const chunks = payloads(renderChunks(text, envelope(), true));
    const last = chunks.pop();
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(chatUsage(text, 1));
    for (const c of chunks) expect(c.usage).toBeNull();
  });

  it('stream – tool calls open with id, type and name, then stream the arguments by index', () => {
    const chunks = payloads(renderChunks(call, envelope(), false));
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '' } }],
        refusal: null,
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ':"Paris"}' } }] },
      {},
    ]);
    expect(chunks[3].choices[0].finish_reason).toBe('tool_calls');
  });

  it('stream – interleaves the choices step by step when n > 1', () => {
    const chunks = payloads(renderChunks(text, envelope(2), false));
    expect(chunks.map((c) => c.choices[0].index)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
  });
});
