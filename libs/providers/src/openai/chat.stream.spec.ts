import { UpstreamError } from '@aigw/contracts';
import { fixture, sseEvents } from '../../test/fixtures';
import { parseSseEvent } from '../stream/sse-event';
import { openaiChunks, openaiEvents } from './chat.stream';
import type { ChatChunk } from './chat.wire';

describe('openai stream transforms', () => {
  it('openai chunks – reads every documented chunk and ends at [DONE]', () => {
    const state = openaiChunks.start();
    const chunks = sseEvents(fixture('openai', 'chat-stream-include-usage.sse')).flatMap((e) => openaiChunks.step(parseSseEvent(e), state));
    expect(chunks).toHaveLength(5);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello!');
    expect(state.done).toBe(true);
    expect(openaiChunks.finish(state)).toEqual([]);
  });

  it('openai chunks – ends with the upstream’s message on an in-band error, and on malformed data', () => {
    expect(() => openaiChunks.step({ event: undefined, data: '{"error":{"message":"overloaded","type":"server_error"}}' }, openaiChunks.start())).toThrow(
      new UpstreamError('The upstream failed mid-stream: overloaded'),
    );
    expect(() => openaiChunks.step({ event: undefined, data: '{"id":' }, openaiChunks.start())).toThrow(/malformed JSON/);
  });

  it('openai chunks – accepts a stream without [DONE] once a choice finished, not before', () => {
    const finished = openaiChunks.start();
    openaiChunks.step({ event: undefined, data: '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}' }, finished);
    expect(openaiChunks.finish(finished)).toEqual([]);
    const cut = openaiChunks.start();
    openaiChunks.step({ event: undefined, data: '{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}' }, cut);
    expect(() => openaiChunks.finish(cut)).toThrow(/ended before it finished/);
  });

  it('openai events – writes data events, the usage chunk only when asked, [DONE] last', () => {
    const chunk: ChatChunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] };
    const usage: ChatChunk = { ...chunk, choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
    const quiet = openaiEvents(false);
    const q = quiet.start();
    expect([...quiet.step(chunk, q), ...quiet.step(usage, q), ...quiet.finish(q)]).toEqual([`data: ${JSON.stringify(chunk)}\n\n`, 'data: [DONE]\n\n']);
    const asked = openaiEvents(true);
    const a = asked.start();
    expect(asked.step(chunk, a)).toEqual([`data: ${JSON.stringify({ ...chunk, usage: null })}\n\n`]);
    expect(asked.step(usage, a)).toEqual([`data: ${JSON.stringify(usage)}\n\n`]);
  });
});
