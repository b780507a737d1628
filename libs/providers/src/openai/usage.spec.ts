import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseFramer } from '../stream/sse-framer';
import { readEventUsage, readUsage } from './usage';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name));

describe('openai usage – complete bodies', () => {
  it('openai usage – reads prompt, completion and cached tokens of a chat completion', () => {
    expect(readUsage(fixture('chat-completion.json'))).toEqual({ promptTokens: 1117, completionTokens: 46, cachedTokens: 1024 });
  });

  it('openai usage – reads the reasoning tokens a reasoning model reports within its completion tokens', () => {
    const body = '{"usage":{"prompt_tokens":10,"completion_tokens":500,"completion_tokens_details":{"reasoning_tokens":448}}}';
    expect(readUsage(Buffer.from(body))).toEqual({ promptTokens: 10, completionTokens: 500, cachedTokens: 0, reasoningTokens: 448 });
  });

  it('openai usage – reads an embeddings list as prompt tokens only', () => {
    expect(readUsage(fixture('embeddings-list.json'))).toEqual({ promptTokens: 8, completionTokens: 0, cachedTokens: 0 });
  });

  it('openai usage – reads a megabyte-sized embeddings body without parsing the vectors', () => {
    const vectors = Array.from({ length: 200 }, (_, index) => ({
      object: 'embedding',
      index,
      embedding: Array.from({ length: 1536 }, (_, i) => Math.sin(index + i)),
    }));
    const body = Buffer.from(JSON.stringify({ object: 'list', data: vectors, model: 'm', usage: { prompt_tokens: 4000, total_tokens: 4000 } }));
    expect(body.length).toBeGreaterThan(1_000_000);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      expect(readUsage(body)).toEqual({ promptTokens: 4000, completionTokens: 0, cachedTokens: 0 });
      expect(parse).toHaveBeenCalledTimes(1);
      expect((parse.mock.calls[0]?.[0] as string).length).toBeLessThan(100);
    } finally {
      parse.mockRestore();
    }
  });

  it('openai usage – finds usage however the JSON is spaced', () => {
    expect(readUsage(Buffer.from('{"id":"x",\n  "usage" :\n {\n "prompt_tokens": 3, "completion_tokens": 4 }\n}'))).toEqual({
      promptTokens: 3,
      completionTokens: 4,
      cachedTokens: 0,
    });
  });

  it('openai usage – skips a key that only looks like usage inside an escaped string', () => {
    const body = Buffer.from('{"usage":{"prompt_tokens":1,"completion_tokens":2},"metadata":{"x\\"usage":{"prompt_tokens":99}}}');
    expect(JSON.parse(body.toString()).metadata).toEqual({ 'x"usage': { prompt_tokens: 99 } });
    expect(readUsage(body)).toEqual({ promptTokens: 1, completionTokens: 2, cachedTokens: 0 });
  });

  it('openai usage – keeps braces inside strings of the usage object from ending it early', () => {
    expect(readUsage(Buffer.from('{"usage":{"note":"} {\\"","prompt_tokens":5}}'))?.promptTokens).toBe(5);
  });

  it('openai usage – is undefined for a body without usage, with null usage, or cut short', () => {
    expect(readUsage(Buffer.from('{"id":"x"}'))).toBeUndefined();
    expect(readUsage(Buffer.from('{"id":"x","usage":null}'))).toBeUndefined();
    expect(readUsage(Buffer.from('{"id":"x","usage":{"prompt_tokens":1'))).toBeUndefined();
  });

  it('openai usage – counts missing or malformed numbers as zero', () => {
    expect(readUsage(Buffer.from('{"usage":{"prompt_tokens":-1,"completion_tokens":"7","prompt_tokens_details":null}}'))).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
    });
  });
});

describe('openai usage – stream events', () => {
  const events = new SseFramer().push(fixture('chat-stream-include-usage.sse')).events;

  it('openai usage – finds the totals only on the usage-only event of an include_usage stream', () => {
    const found = events.map((event) => readEventUsage(event));
    expect(found.filter(Boolean)).toHaveLength(1);
    expect(found[4]).toEqual({ usage: { promptTokens: 9, completionTokens: 2, cachedTokens: 0 }, usageOnly: true });
  });

  it('openai usage – does not parse events whose usage is null', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      for (const event of events.slice(0, 4)) expect(readEventUsage(event)).toBeUndefined();
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('openai usage – reports usage on a chunk that also carries choices as not usage-only', () => {
    const event = Buffer.from(
      'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2}}\n\n',
    );
    expect(readEventUsage(event)).toEqual({ usage: { promptTokens: 9, completionTokens: 2, cachedTokens: 0 }, usageOnly: false });
  });

  it('openai usage – treats a usage chunk with null or absent choices as usage-only', () => {
    expect(readEventUsage(Buffer.from('data: {"choices":null,"usage":{"prompt_tokens":1}}\n\n'))?.usageOnly).toBe(true);
    expect(readEventUsage(Buffer.from('data: {"usage":{"prompt_tokens":1}}\r\n\r\n'))?.usageOnly).toBe(true);
  });

  it('openai usage – ignores the [DONE] event and events that are not JSON', () => {
    expect(readEventUsage(Buffer.from('data: [DONE]\n\n'))).toBeUndefined();
    expect(readEventUsage(Buffer.from('data: "usage": {broken\n\n'))).toBeUndefined();
  });
});
