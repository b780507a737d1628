/**
 * The client went away before its request was answered (its body incomplete, or while an upstream was
 * being called); there is nobody left to answer. Raised by the HTTP layer and the upstream calls alike, so
 * it lives below both.
 */
export class ClientGoneError extends Error {
  constructor(message = 'The client closed the connection before the request was answered.') {
    super(message);
    this.name = 'ClientGoneError';
  }
}
