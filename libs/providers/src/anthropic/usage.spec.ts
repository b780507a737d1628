import { fixture, sseEvents } from '../../test/fixtures';
import type { TokenUsage } from '../types';
import { readEventUsage, readUsage } from './usage';

describe('anthropic usage (same-format pass-through)', () => {
  it('anthropic usage – reads a message body, cache reads and writes counted as prompt tokens', () => {
    expect(readUsage(fixture('anthropic', 'message-text.json'))).toEqual({ promptTokens: 2095, completionTokens: 503, cachedTokens: 0 });
    expect(readUsage(fixture('anthropic', 'message-tool-use.json'))).toEqual({ promptTokens: 1484, completionTokens: 59, cachedTokens: 1000 });
  });

  it('anthropic usage – merges message_start input and message_delta output over a stream', () => {
    let usage: TokenUsage | undefined;
    const found: number[] = [];
    sseEvents(fixture('anthropic', 'stream-tool-use.sse')).forEach((event, i) => {
      const read = readEventUsage(event, usage);
      if (!read) return;
      found.push(i);
      expect(read.usageOnly).toBe(false);
      usage = read.usage;
    });
    expect(found).toHaveLength(2);
    expect(usage).toEqual({ promptTokens: 472, completionTokens: 89, cachedTokens: 0 });
  });

  it('anthropic usage – keeps cached input when message_delta repeats the totals', () => {
    const start = Buffer.from(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":1}}}\n\n',
    );
    const delta = Buffer.from('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}\n\n');
    const first = readEventUsage(start)!.usage;
    expect(first).toEqual({ promptTokens: 100, completionTokens: 1, cachedTokens: 90 });
    expect(readEventUsage(delta, first)!.usage).toEqual({ promptTokens: 100, completionTokens: 7, cachedTokens: 90 });
  });

  it('anthropic usage – does not parse events without a usage object', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const events = sseEvents(fixture('anthropic', 'stream-text.sse'));
      for (const event of events.slice(1, 6)) expect(readEventUsage(event)).toBeUndefined();
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });
});
