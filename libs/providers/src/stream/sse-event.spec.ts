import { eventData, parseSseEvent, sseEvent } from './sse-event';

describe('eventData', () => {
  it('sse event – takes the data line without its leading space', () => {
    expect(eventData(Buffer.from('data: {"a":1}\n\n'))).toBe('{"a":1}');
    expect(eventData(Buffer.from('data:{"a":1}\r\n\r\n'))).toBe('{"a":1}');
  });

  it('sse event – joins several data lines and ignores other fields and comments', () => {
    expect(eventData(Buffer.from(': keep-alive\nevent: message\ndata: {"a":\ndata: 1}\nid: 7\n\n'))).toBe('{"a":\n1}');
  });

  it('sse event – is empty for an event without data', () => {
    expect(eventData(Buffer.from(': ping\n\n'))).toBe('');
  });
});

describe('parseSseEvent', () => {
  it('sse event – reads the event name and the data of an Anthropic-style event', () => {
    expect(parseSseEvent(Buffer.from('event: message_stop\ndata: {"type":"message_stop"}\n\n'))).toEqual({
      event: 'message_stop',
      data: '{"type":"message_stop"}',
    });
  });

  it('sse event – has no name for a plain data event, and reads \\r\\n line ends', () => {
    expect(parseSseEvent(Buffer.from('data: {"a":1}\r\n\r\n'))).toEqual({ event: undefined, data: '{"a":1}' });
  });

  it('sse event – writes an event that parses back to itself', () => {
    expect(parseSseEvent(Buffer.from(sseEvent('{"x":"y"}', 'ping')))).toEqual({ event: 'ping', data: '{"x":"y"}' });
    expect(sseEvent('[DONE]')).toBe('data: [DONE]\n\n');
  });
});
