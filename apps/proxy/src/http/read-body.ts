import type { IncomingMessage } from 'node:http';
import { RequestTooLargeError, UnsupportedContentEncodingError } from '@aigw/contracts';

/** The client went away before its request body was complete; there is nobody left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('The client closed the connection before the request body was complete.');
    this.name = 'ClientGoneError';
  }
}

/**
 * The raw request body, refused as soon as it is known to be over `limitBytes`: at once when
 * `content-length` says so, otherwise when the bytes read pass the limit. Bytes past the limit are not kept.
 * A compressed body is refused unread (415) rather than parsed as garbage: the gateway parses every body it
 * forwards, and no SDK compresses one. Node's server drops the unread body itself, keeping the connection.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') return Promise.reject(new UnsupportedContentEncodingError(encoding));
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) return Promise.reject(new RequestTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        reject(new RequestTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = () => {
      cleanup();
      reject(new ClientGoneError());
    };
    const onClose = () => {
      if (req.readableEnded) return;
      cleanup();
      reject(new ClientGoneError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** How much of an oversized body is read and dropped after its 413 before the connection is cut, number of bytes. */
export const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * After a 413 the rest of the body is read and dropped instead of the connection being closed at once:
 * closing a socket with bytes still arriving resets it, and a client still sending (the SDKs' fetch) then
 * sees a broken connection where the 413 was. A client that sends more than `limitBytes` beyond that point
 * has its connection cut.
 */
export function discardRest(req: IncomingMessage, limitBytes = DISCARD_LIMIT_BYTES): void {
  if (req.readableEnded) return;
  let dropped = 0;
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > limitBytes) {
      req.off('data', onData);
      req.socket.destroy();
    }
  };
  req.on('data', onData);
  req.resume();
}
