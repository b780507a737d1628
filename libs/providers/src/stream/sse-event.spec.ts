import { eventData } from './sse-event';

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
