import { UpstreamError } from '@aigw/contracts';
import { dataOf, fixture, sseEvents } from '../../test/fixtures';
import type { ChatChunk } from '../openai/chat.wire';
import { openaiEvents } from '../openai/chat.stream';
import { parseSseEvent } from '../stream/sse-event';
import { bind, translateStream } from '../translate/stream';
import { anthropicChunks } from './chat.stream';

function chunksOf(transcript: Buffer | string): ChatChunk[] {
  const state = anthropicChunks.start();
  const out = sseEvents(transcript).flatMap((event) => anthropicChunks.step(parseSseEvent(event), state));
  return [...out, ...anthropicChunks.finish(state)];
}

const deltas = (chunks: ChatChunk[]) => chunks.map((c) => ({ delta: c.choices[0]?.delta, finish: c.choices[0]?.finish_reason, usage: c.usage }));

describe('anthropic stream (Messages events → OpenAI chunks)', () => {
  it('anthropic stream – turns the documented text stream into role, content, finish and usage chunks', () => {
    const chunks = chunksOf(fixture('anthropic', 'stream-text.sse'));
    expect(deltas(chunks)).toEqual([
      { delta: { role: 'assistant', content: '' }, finish: null, usage: undefined },
      { delta: { content: 'Hello' }, finish: null, usage: undefined },
      { delta: { content: '!' }, finish: null, usage: undefined },
      { delta: {}, finish: 'stop', usage: undefined },
      { delta: undefined, finish: undefined, usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } } },
    ]);
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY']));
    expect(chunks[0]!.model).toBe('claude-3-5-sonnet-20240620');
  });

  it('anthropic stream – streams tool-call arguments as they come, one fragment per input_json_delta', () => {
    const chunks = chunksOf(fixture('anthropic', 'stream-tool-use.sse'));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"location":' } },
      { index: 0, function: { arguments: ' "San' } },
      { index: 0, function: { arguments: ' Francisc' } },
      { index: 0, function: { arguments: 'o, CA", "unit": "fah' } },
      { index: 0, function: { arguments: 'renheit"}' } },
    ]);
    expect(JSON.parse(calls.map((c) => c.function?.arguments ?? '').join(''))).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(chunks.map((c) => c.choices[0]?.delta.content).filter(Boolean).join('')).toBe('Okay, let me check.');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89 });
  });

  it('anthropic stream – gives nothing for ping, thinking and signature events', () => {
    const state = anthropicChunks.start();
    for (const data of [
      '{"type":"ping"}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQ"}}',
      '{"type":"content_block_stop","index":0}',
    ]) {
      expect(anthropicChunks.step({ event: undefined, data }, state)).toEqual([]);
    }
  });

  it('anthropic stream – ends with the upstream message on an error event', () => {
    const state = anthropicChunks.start();
    expect(() =>
      anthropicChunks.step({ event: 'error', data: fixture('anthropic', 'error-overloaded.json').toString() }, state),
    ).toThrow(new UpstreamError('The anthropic upstream failed mid-stream: Overloaded'));
  });

  it('anthropic stream – reports a stream cut before message_stop, and malformed event data', () => {
    const cut = fixture('anthropic', 'stream-text.sse').toString().split('event: message_delta')[0]!;
    expect(() => chunksOf(cut)).toThrow(/ended before message_stop/);
    expect(() => anthropicChunks.step({ event: 'content_block_delta', data: '{"type":' }, anthropicChunks.start())).toThrow(/malformed JSON/);
  });

  it('anthropic stream – becomes an OpenAI SSE stream that ends with [DONE], usage only when asked', () => {
    for (const includeUsage of [false, true]) {
      const translator = translateStream(bind(anthropicChunks), bind(openaiEvents(includeUsage)));
      let sse = '';
      for (const event of sseEvents(fixture('anthropic', 'stream-text.sse'))) sse += translator.push(event);
      sse += translator.end();
      const data = dataOf(sse);
      expect(data.at(-1)).toBe('[DONE]');
      expect(data.some((d) => (d as ChatChunk).choices?.length === 0)).toBe(includeUsage);
      expect(translator.usage).toEqual({ promptTokens: 25, completionTokens: 15, cachedTokens: 0 });
    }
  });
});
