import { createServer, STATUS_CODES, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HeadersTooLargeError, InvalidRequestError, RequestTimeoutError, type GatewayError } from '@aigw/contracts';
import { drainBody } from './drain-body';
import { sendJson, toErrorReply } from './error-reply';
import { SECURITY_HEADERS, setSecurityHeaders } from './security-headers';

/** How long requests may take to arrive, and idle connections may stay; numbers of milliseconds. */
export interface EdgeDeadlines {
  /** The whole request, headers and body: a client sending slower is answered 408. */
  requestTimeoutMs: number;
  /** The headers alone. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection: longer than load balancers' own idle timeout (often 60 s), so they close first. */
  keepAliveMs: number;
}

export const DEFAULT_EDGE_DEADLINES: EdgeDeadlines = { requestTimeoutMs: 30_000, headersTimeoutMs: 20_000, keepAliveMs: 65_000 };

/** How often Node checks requests against their deadlines; a late request is answered at most this much late. */
const DEADLINE_CHECK_INTERVAL_MS = 1_000;

/**
 * An HTTP server for an edge the outside world reaches (proxy, metering API, admin API): deadlines for a
 * request to arrive, and Node's own refusals (a request too slow, headers too large, malformed HTTP)
 * answered in OpenAI's error shape with the security headers, where Node sends an empty body.
 */
export function createEdgeServer(listener: RequestListener, deadlines: EdgeDeadlines = DEFAULT_EDGE_DEADLINES): Server {
  const server = createServer(
    {
      requestTimeout: deadlines.requestTimeoutMs,
      headersTimeout: Math.min(deadlines.headersTimeoutMs, deadlines.requestTimeoutMs),
      keepAliveTimeout: deadlines.keepAliveMs,
      connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS,
      // Node's own refusal of a request without Host has an empty body: refused below instead, in our shape.
      requireHostHeader: false,
    },
    (req, res) => {
      if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
        const reply = toErrorReply(new InvalidRequestError('The request has no Host header, which HTTP/1.1 requires.'));
        setSecurityHeaders(res);
        sendJson(res, reply.status, reply.body, reply.headers);
        drainBody(req);
        return;
      }
      listener(req, res);
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, deadlines.requestTimeoutMs));
  return server;
}

/** What Node's HTTP parser reports, by its error code. */
function typedClientError(err: NodeJS.ErrnoException, requestTimeoutMs: number): GatewayError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestTimeoutError(requestTimeoutMs);
    case 'HPE_HEADER_OVERFLOW':
      return new HeadersTooLargeError();
    default:
      return new InvalidRequestError('The request is not well-formed HTTP/1.1.');
  }
}

/** Writes the refusal on the raw socket (no request object exists) and closes it: its position in the stream is lost. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, requestTimeoutMs: number): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const reply = toErrorReply(typedClientError(err, requestTimeoutMs));
  const body = JSON.stringify(reply.body);
  const headers = { ...SECURITY_HEADERS, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  let head = `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status]}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`);
}
