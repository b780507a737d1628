import { dataOf, fixture, namesOf, sseEvents } from '../../test/fixtures';
import type { ChatChunk } from '../openai/chat.wire';
import { openaiChunks } from '../openai/chat.stream';
import { bind, translateStream } from '../translate/stream';
import { anthropicChunks } from './chat.stream';
import { anthropicEvents } from './messages.stream';

const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk' as const, created: 1, model: 'gpt-4o' };
const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
  ...head,
  choices: [{ index: 0, delta, finish_reason: finish }],
});

function encode(chunks: ChatChunk[]): string {
  const state = anthropicEvents.start();
  return [...chunks.flatMap((c) => anthropicEvents.step(c, state)), ...anthropicEvents.finish(state)].join('');
}

describe('anthropic messages stream (OpenAI chunks → Messages events)', () => {
  it('messages stream – writes the documented event sequence for a text answer, usage in message_delta', () => {
    const sse = encode([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hello' }),
      chunk({ content: '!' }),
      chunk({}, 'stop'),
      { ...head, choices: [], usage: { prompt_tokens: 25, completion_tokens: 2, total_tokens: 27 } },
    ]);
    expect(namesOf(sse)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const data = dataOf(sse) as Array<Record<string, unknown>>;
    expect(data.map((d) => d.type)).toEqual(namesOf(sse));
    expect(data[0]).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_chatcmpl-1',
        type: 'message',
        role: 'assistant',
        model: 'gpt-4o',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
    expect(data[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(data[2]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } });
    expect(data[5]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 25, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('messages stream – opens a tool_use block per call and streams its arguments as input_json_delta', () => {
    const sse = encode([
      chunk({ role: 'assistant', content: 'Let me check.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    const data = dataOf(sse) as Array<Record<string, unknown>>;
    expect(data.slice(1, -2)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me check.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_stop', index: 2 },
    ]);
    expect(data.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
  });

  it('messages stream – still opens and closes the message when the upstream sent no chunk', () => {
    expect(namesOf(encode([]))).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('messages stream – a Messages stream survives the round trip through the pivot', () => {
    const translator = translateStream(bind(anthropicChunks), bind(anthropicEvents));
    let sse = '';
    for (const event of sseEvents(fixture('anthropic', 'stream-tool-use.sse'))) sse += translator.push(event);
    sse += translator.end();
    const data = dataOf(sse) as Array<{ type: string; delta?: { partial_json?: string; text?: string } }>;
    const json = data.map((d) => d.delta?.partial_json ?? '').join('');
    expect(JSON.parse(json)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(data.map((d) => d.delta?.text ?? '').join('')).toBe('Okay, let me check.');
    expect(translator.usage).toEqual({ promptTokens: 472, completionTokens: 89, cachedTokens: 0 });
  });

  it('messages stream – an OpenAI stream becomes Messages events with the usage of its last chunk', () => {
    const translator = translateStream(bind(openaiChunks), bind(anthropicEvents));
    let sse = '';
    for (const event of sseEvents(fixture('openai', 'chat-stream-include-usage.sse'))) sse += translator.push(event);
    sse += translator.end();
    const data = dataOf(sse) as Array<{ type: string; usage?: unknown; delta?: { text?: string } }>;
    expect(data.map((d) => d.delta?.text ?? '').join('')).toBe('Hello!');
    expect(data.at(-2)).toMatchObject({ type: 'message_delta', usage: { input_tokens: 9, output_tokens: 2 } });
    expect(translator.usage).toEqual({ promptTokens: 9, completionTokens: 2, cachedTokens: 0 });
  });
});
