import type { IncomingMessage } from 'node:http';

/** How much of a refused request's body is read and dropped before the connection is cut, number of bytes. */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
/** How long the rest of a refused request's body may take to arrive before the connection is cut, milliseconds. */
export const DRAIN_LIMIT_MS = 5_000;

/**
 * After an answer given before the request's body was read (401, 413, 415, ...), the rest of the body is
 * read and dropped instead of the connection being closed at once: closing a socket with bytes still
 * arriving resets it, and a client still sending (the SDKs' fetch) then sees a broken connection where the
 * answer was. The drain is bounded: past `limitBytes`, or if the body has not ended within `limitMs` (a
 * client that stopped sending and waits), the connection is cut, so a refused request never holds one long.
 */
export function drainBody(req: IncomingMessage, limitBytes = DRAIN_LIMIT_BYTES, limitMs = DRAIN_LIMIT_MS): void {
  if (req.readableEnded || req.destroyed) return;
  let dropped = 0;
  const cut = () => {
    req.off('data', onData);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, limitMs);
  timer.unref();
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > limitBytes) {
      clearTimeout(timer);
      cut();
    }
  };
  req.on('data', onData);
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
