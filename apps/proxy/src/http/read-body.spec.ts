import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { RequestTooLargeError, UnsupportedContentEncodingError } from '@aigw/contracts';
import { drainBody } from '@aigw/http-edge';
import { readBody } from './read-body';

/** A server that reads at most 1 KB of body, answers 413 past it, then drops up to `discardBytes` more. */
async function tooLargeServer(discardBytes: number) {
  const server: Server = createServer((req, res) => {
    readBody(req, 1024).then(
      () => res.end('ok'),
      (err: unknown) => {
        expect(err).toBeInstanceOf(RequestTooLargeError);
        res.writeHead(413).end('too large');
        drainBody(req, discardBytes);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** What fetch, the SDKs' client, makes of sending `bytes`: the status, or the cause of its failure. */
async function send(port: number, bytes: number): Promise<number | string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: Buffer.alloc(bytes, 'x') });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return String(((err as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? err);
  }
}

/** A client that writes all of `bytes` whatever it is answered: whether it could, or the server cut it off. */
function sendRegardless(port: number, bytes: number): Promise<'sent' | 'cut'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve('cut'));
    socket.on('close', () => resolve('cut'));
    socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${bytes}\r\n\r\n`);
    socket.resume();
    const part = Buffer.alloc(64 * 1024, 'x');
    let left = bytes;
    const write = () => {
      while (left > 0) {
        const chunk = part.subarray(0, Math.min(left, part.length));
        left -= chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', write);
      }
      // Every byte went out and the connection still stands.
      setTimeout(() => {
        resolve('sent');
        socket.destroy();
      }, 100);
    };
    write();
  });
}

describe('readBody and drainBody – an oversized body gets its 413', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('a client still sending reads the 413: the rest of its body is dropped, the connection kept', async () => {
    const s = await tooLargeServer(8 * 1024 * 1024);
    server = s.server;
    expect(await send(s.port, 4 * 1024 * 1024)).toBe(413);
    expect(await sendRegardless(s.port, 4 * 1024 * 1024)).toBe('sent');
  });

  it('a client sending far more than is dropped has its connection cut', async () => {
    const s = await tooLargeServer(64 * 1024);
    server = s.server;
    expect(await sendRegardless(s.port, 16 * 1024 * 1024)).toBe('cut');
  });
});

describe('readBody – a compressed body', () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      readBody(req, 1024 * 1024).then(
        (body) => res.end(`read ${body.length}`),
        (err: unknown) => res.writeHead(err instanceof UnsupportedContentEncodingError ? 415 : 500).end((err as Error).message),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('is refused unread, naming the encoding, and the connection serves the next request', async () => {
    const port = (server.address() as AddressInfo).port;
    const socket = connect(port, '127.0.0.1');
    let answers = '';
    socket.on('data', (d: Buffer) => (answers += d.toString('latin1')));
    const gzipped = Buffer.alloc(100_000, 1);
    socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-encoding: GZIP\r\ncontent-length: ${gzipped.length}\r\n\r\n`);
    socket.write(gzipped);
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-encoding: identity\r\ncontent-length: 2\r\n\r\n{}');
    await new Promise<void>((resolve) => {
      const check = () => (/read 2$/.test(answers) ? resolve() : setTimeout(check, 10));
      check();
    });
    socket.destroy();
    expect(answers).toMatch(/^HTTP\/1\.1 415 .*Content-Encoding 'gzip' is not supported: send the request body uncompressed\..*HTTP\/1\.1 200 OK/s);
  });
});
