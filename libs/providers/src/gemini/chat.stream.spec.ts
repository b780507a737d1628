import { UpstreamError } from '@aigw/contracts';
import { dataOf, fixture, namesOf, sseEvents } from '../../test/fixtures';
import { anthropicEvents } from '../anthropic/messages.stream';
import type { ChatChunk } from '../openai/chat.wire';
import { openaiEvents } from '../openai/chat.stream';
import { parseSseEvent } from '../stream/sse-event';
import { bind, translateStream } from '../translate/stream';
import { geminiChunks } from './chat.stream';

function chunksOf(events: readonly string[] | Buffer[]): ChatChunk[] {
  const state = geminiChunks.start();
  const out = events.flatMap((e) => geminiChunks.step(typeof e === 'string' ? { event: undefined, data: e } : parseSseEvent(e), state));
  return [...out, ...geminiChunks.finish(state)];
}

describe('gemini stream (streamGenerateContent → OpenAI chunks)', () => {
  it('gemini stream – frames the documented \\r\\n transcript and turns it into chunks with the last usage', () => {
    const chunks = chunksOf(sseEvents(fixture('gemini', 'stream-text.sse')));
    expect(chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'The' }, null],
      [{ content: ' quick brown fox' }, null],
      [{ content: ' jumps.' }, null],
      [{}, 'stop'],
      [undefined, undefined],
    ]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 });
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-Bx3KaKWvC4u0z7IP']));
    expect(chunks[0]!.model).toBe('gemini-2.0-flash');
  });

  it('gemini stream – sends each whole function call as one tool call and finishes with tool_calls', () => {
    const chunks = chunksOf([
      '{"candidates":[{"content":{"parts":[{"functionCall":{"name":"a","args":{"x":1}}},{"functionCall":{"name":"b","args":{}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3,"totalTokenCount":8}}',
    ]);
    expect(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
      { index: 1, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'b', arguments: '{}' } },
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls']);
  });

  it('gemini stream – follows each candidate as its own choice', () => {
    const chunks = chunksOf([
      '{"candidates":[{"content":{"parts":[{"text":"A"}]},"index":0},{"content":{"parts":[{"text":"B"}]},"index":1}]}',
      '{"candidates":[{"content":{"parts":[]},"finishReason":"STOP","index":0},{"content":{"parts":[]},"finishReason":"MAX_TOKENS","index":1}]}',
    ]);
    const byChoice = (i: number) => chunks.filter((c) => c.choices[0]?.index === i).map((c) => c.choices[0]!.delta.content ?? c.choices[0]!.finish_reason);
    expect(byChoice(0)).toEqual(['', 'A', 'stop']);
    expect(byChoice(1)).toEqual(['', 'B', 'length']);
  });

  it('gemini stream – reports a stream that ends before a finish reason, and an error event', () => {
    expect(() => chunksOf(['{"candidates":[{"content":{"parts":[{"text":"A"}]},"index":0}]}'])).toThrow(/ended before any candidate finished/);
    expect(() => chunksOf(['{"error":{"code":503,"message":"The model is overloaded."}}'])).toThrow(UpstreamError);
  });

  it('gemini stream – becomes OpenAI SSE and Anthropic Messages events', () => {
    const run = (client: Parameters<typeof translateStream>[1]) => {
      const translator = translateStream(bind(geminiChunks), client);
      let sse = '';
      for (const event of sseEvents(fixture('gemini', 'stream-text.sse'))) sse += translator.push(event);
      return { sse: sse + translator.end(), usage: translator.usage };
    };
    const openai = run(bind(openaiEvents(true)));
    expect(dataOf(openai.sse).at(-1)).toBe('[DONE]');
    expect(openai.usage).toEqual({ promptTokens: 8, completionTokens: 6, cachedTokens: 0 });
    const anthropic = run(bind(anthropicEvents));
    expect(namesOf(anthropic.sse)[0]).toBe('message_start');
    expect(namesOf(anthropic.sse).at(-1)).toBe('message_stop');
    expect((dataOf(anthropic.sse) as Array<{ delta?: { text?: string } }>).map((d) => d.delta?.text ?? '').join('')).toBe('The quick brown fox jumps.');
  });
});
