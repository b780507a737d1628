import { SseEventTooLargeError, SseFramer } from './sse-framer';

const text = (bufs: Buffer[]) => bufs.map((b) => b.toString());

/** Pushes `input` split at every given offset and collects what comes out. */
function frameInPieces(input: string, cuts: number[]): { events: string[]; bytes: string; held: string } {
  const framer = new SseFramer();
  const bytes = Buffer.from(input);
  const events: string[] = [];
  let joined = '';
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    const frames = framer.push(bytes.subarray(from, cut));
    events.push(...text(frames.events));
    joined += frames.bytes.toString();
    from = cut;
  }
  return { events, bytes: joined, held: framer.flush().toString() };
}

describe('SseFramer', () => {
  const stream = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';

  it('sse framer – yields every complete event of one chunk, terminators included', () => {
    const frames = new SseFramer().push(Buffer.from(stream));
    expect(text(frames.events)).toEqual(['data: {"a":1}\n\n', 'data: {"b":2}\n\n', 'data: [DONE]\n\n']);
    expect(frames.bytes.toString()).toBe(stream);
  });

  it('sse framer – holds a partial event until its end arrives', () => {
    const framer = new SseFramer();
    const first = framer.push(Buffer.from('data: {"a":1}\n\ndata: {"b"'));
    expect(text(first.events)).toEqual(['data: {"a":1}\n\n']);
    expect(framer.heldBytes).toBe('data: {"b"'.length);
    const second = framer.push(Buffer.from(':2}\n\n'));
    expect(text(second.events)).toEqual(['data: {"b":2}\n\n']);
    expect(framer.heldBytes).toBe(0);
  });

  it('sse framer – gives the same events wherever the stream is cut, byte by byte', () => {
    for (const terminator of ['\n\n', '\r\n\r\n']) {
      const input = stream.replaceAll('\n\n', terminator);
      const expected = frameInPieces(input, []);
      for (let cut = 1; cut < input.length; cut += 1) {
        expect(frameInPieces(input, [cut])).toEqual(expected);
      }
      expect(frameInPieces(input, Array.from({ length: input.length - 1 }, (_, i) => i + 1))).toEqual(expected);
      expect(expected.events).toHaveLength(3);
      expect(expected.bytes).toBe(input);
    }
  });

  it('sse framer – ends events on \\r\\n\\r\\n and on mixed line ends', () => {
    const frames = new SseFramer().push(Buffer.from('event: a\r\ndata: 1\r\n\r\ndata: 2\n\r\ndata: 3\r\n\n'));
    expect(text(frames.events)).toEqual(['event: a\r\ndata: 1\r\n\r\n', 'data: 2\n\r\n', 'data: 3\r\n\n']);
  });

  it('sse framer – does not end an event on a single line end', () => {
    const framer = new SseFramer();
    expect(framer.push(Buffer.from('event: x\ndata: 1\n')).events).toEqual([]);
    expect(text(framer.push(Buffer.from('\n')).events)).toEqual(['event: x\ndata: 1\n\n']);
  });

  it('sse framer – returns an unfinished event on flush and starts afresh', () => {
    const framer = new SseFramer();
    framer.push(Buffer.from('data: {"a":1}\n\ndata: cut'));
    expect(framer.flush().toString()).toBe('data: cut');
    expect(text(framer.push(Buffer.from('data: 2\n\n')).events)).toEqual(['data: 2\n\n']);
  });

  it('sse framer – refuses an event that grows past the limit', () => {
    const framer = new SseFramer({ maxEventBytes: 16 });
    framer.push(Buffer.from('data: 0123456'));
    expect(() => framer.push(Buffer.from('789abcdef'))).toThrow(SseEventTooLargeError);
  });

  it('sse framer – hands out views of the chunk when nothing was held', () => {
    const chunk = Buffer.from(stream);
    const frames = new SseFramer().push(chunk);
    expect(frames.bytes.buffer).toBe(chunk.buffer);
  });
});
