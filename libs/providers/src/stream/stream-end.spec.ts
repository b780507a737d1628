import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messagesStreamEnd } from '../anthropic/stream-end';
import { chatStreamEnd, responsesStreamEnd } from '../openai/stream-end';
import { SseFramer } from './sse-framer';

/** The events of a recorded stream, framed as the proxy frames them. */
function eventsOf(file: string): Buffer[] {
  const framer = new SseFramer();
  const { events } = framer.push(readFileSync(join(__dirname, '..', file)));
  return events.map((e) => Buffer.from(e));
}

const ends = (detect: (e: Buffer) => string | undefined, events: Buffer[]) => events.map(detect).filter(Boolean);

describe('stream ends – the final and the error event of each format, read from the first bytes', () => {
  it('chat completions: only data: [DONE] ends a recorded stream; an error object is an error', () => {
    const events = eventsOf('openai/__fixtures__/chat-stream-include-usage.sse');
    expect(ends(chatStreamEnd, events)).toEqual(['done']);
    expect(chatStreamEnd(events.at(-1)!)).toBe('done');
    expect(chatStreamEnd(Buffer.from('data:[DONE]\r\n\r\n'))).toBe('done');
    expect(chatStreamEnd(Buffer.from('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'))).toBe('error');
    // Text that merely mentions them is content.
    expect(chatStreamEnd(Buffer.from('data: {"choices":[{"delta":{"content":"[DONE] {\\"error\\""}}]}\n\n'))).toBeUndefined();
  });

  it('messages: message_stop ends a recorded stream, an error event is an error', () => {
    for (const file of ['anthropic/__fixtures__/stream-text.sse', 'anthropic/__fixtures__/stream-tool-use.sse']) {
      const events = eventsOf(file);
      expect(ends(messagesStreamEnd, events)).toEqual(['done']);
      expect(messagesStreamEnd(events.at(-1)!)).toBe('done');
    }
    expect(messagesStreamEnd(Buffer.from('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'))).toBe('error');
    expect(messagesStreamEnd(Buffer.from('event: message_delta\r\ndata: {"type":"message_delta"}\r\n\r\n'))).toBeUndefined();
  });

  it('responses: completed and incomplete end a stream, failed and error are errors', () => {
    const named = (name: string) => Buffer.from(`event: ${name}\ndata: {"type":"${name}"}\n\n`);
    expect(responsesStreamEnd(named('response.output_text.delta'))).toBeUndefined();
    expect(responsesStreamEnd(named('response.completed'))).toBe('done');
    expect(responsesStreamEnd(named('response.incomplete'))).toBe('done');
    expect(responsesStreamEnd(named('response.failed'))).toBe('error');
    expect(responsesStreamEnd(named('error'))).toBe('error');
    expect(responsesStreamEnd(Buffer.from('data: {"type":"response.completed"}\n\n'))).toBeUndefined();
  });
});
