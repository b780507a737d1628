import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainBody } from './drain-body';
import { isOwnFailure, sendJson, toErrorReply } from './error-reply';

/** What a logger must offer here: pino's `error(object, message)`. */
interface ErrorLogger {
  error(fields: object, message: string): void;
}

/**
 * The error handler of an express edge (metering API, admin API): `toErrorReply` for the answer, a log line
 * with the cause for the gateway's own failures only, and a bounded drain of a body the failure left unread.
 */
export function edgeErrorHandler(logger: ErrorLogger) {
  return (err: unknown, req: IncomingMessage & { route?: { path?: string } }, res: ServerResponse, _next: unknown): void => {
    if (res.headersSent) {
      logger.error({ err }, 'failure after the response started');
      res.destroy();
      return;
    }
    const reply = toErrorReply(err);
    if (isOwnFailure(reply)) logger.error({ err, method: req.method, route: req.route?.path, status: reply.status }, 'request failed');
    sendJson(res, reply.status, reply.body, reply.headers);
    drainBody(req);
  };
}
