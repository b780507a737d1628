import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { drainBody } from './drain-body';

/** A server that answers 401 at once, unread, then drains the body within the given bounds. */
async function earlyAnswer(limitBytes: number, limitMs: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(401, { 'content-length': 2 }).end('no');
    drainBody(req, limitBytes, limitMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends the headers of a `declared`-byte body and `sent` bytes of it; resolves with what was read and when the server closed. */
function partialUpload(port: number, declared: number, sent: number, thenSend?: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ answer, closedAfterMs: performance.now() - started }));
    socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${declared}\r\n\r\n`);
    socket.write(Buffer.alloc(sent, 'x'));
    if (thenSend !== undefined) setTimeout(() => socket.write(thenSend), 50);
  });
}

describe('drainBody – a refused request never holds its connection long', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('cuts a connection whose client stopped sending once the time bound passes, after it got its answer', async () => {
    const s = await earlyAnswer(1024 * 1024, 300);
    server = s.server;
    const { answer, closedAfterMs } = await partialUpload(s.port, 10_000_000, 1000);
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(250);
  });

  it('keeps the connection for the next request when the rest of the body arrives', async () => {
    const s = await earlyAnswer(1024 * 1024, 5_000);
    server = s.server;
    const socket = connect(s.port, '127.0.0.1');
    let answers = '';
    socket.on('data', (d: Buffer) => (answers += d.toString('latin1')));
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n');
    socket.write(Buffer.alloc(5000, 'x'));
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise<void>((resolve) => {
      const check = () => ((answers.match(/HTTP\/1\.1 401/g) ?? []).length === 2 ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
