import type { IncomingMessage } from 'node:http';
import { RequestTooLargeError, UnsupportedContentEncodingError } from '@aigw/contracts';
import { JsonShapeScanner, type JsonShapeLimits } from '@aigw/http-edge';
import { ClientGoneError } from '../request/client-gone-error';

const GONE_MID_BODY = 'The client closed the connection before the request body was complete.';

/**
 * The raw request body, refused as soon as it is known to be over `limitBytes`: at once when
 * `content-length` says so, otherwise when the bytes read pass the limit. Bytes past the limit are not kept.
 * Each chunk goes through `inspect` as it arrives (a `JsonShapeScanner`), whose refusal ends the read at
 * once: a hostile body is never buffered whole. A body whose length is declared is copied into one buffer
 * of that size, not gathered and joined. A compressed body is refused unread (415) rather than parsed as
 * garbage: the gateway parses every body it forwards, and no SDK compresses one.
 */
export function readBody(req: IncomingMessage, limitBytes: number, inspect?: (chunk: Buffer) => void): Promise<Buffer> {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') return Promise.reject(new UnsupportedContentEncodingError(encoding));
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > limitBytes) return Promise.reject(new RequestTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    // Node's parser never passes more than content-length bytes on, so the buffer cannot overflow.
    const whole = declared !== undefined && Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
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
      try {
        inspect?.(chunk);
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      if (whole) chunk.copy(whole, size - chunk.length);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (whole) resolve(size === whole.length ? whole : whole.subarray(0, size));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = () => {
      cleanup();
      reject(new ClientGoneError(GONE_MID_BODY));
    };
    const onClose = () => {
      if (req.readableEnded) return;
      cleanup();
      reject(new ClientGoneError(GONE_MID_BODY));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The body of a JSON request: read within `limitBytes`, its structure held to `shape` while it arrives. */
export function readJsonBody(req: IncomingMessage, limitBytes: number, shape: JsonShapeLimits): Promise<Buffer> {
  const scanner = new JsonShapeScanner(shape);
  return readBody(req, limitBytes, (chunk) => scanner.feed(chunk));
}
