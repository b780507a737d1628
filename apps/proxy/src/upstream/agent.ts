import { Agent } from 'undici';

export interface UpstreamAgentOptions {
  /** Connections per upstream origin. */
  connections: number;
  /** TCP (and TLS) connect deadline, number of milliseconds. */
  connectTimeoutMs: number;
  /** Deadline for the response headers, number of milliseconds. */
  headersTimeoutMs: number;
  /** Longest silence between two body chunks, number of milliseconds. */
  bodyTimeoutMs: number;
}

/**
 * The one connection pool for every upstream: keep-alive connections reused across requests, one request
 * per connection at a time (a slow stream must never hold up the request queued behind it).
 */
export function createUpstreamAgent(opts: UpstreamAgentOptions): Agent {
  return new Agent({
    connections: opts.connections,
    pipelining: 1,
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.bodyTimeoutMs,
  });
}
