import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { GatewayError, UpstreamError, UpstreamTimeoutError, type AttemptOutcome as ReportedOutcome, type Deployment } from '@aigw/contracts';
import {
  adapterFor,
  type ClientBody,
  type OpenAIErrorBody,
  type Operation,
  type OperationAdapter,
  type PreparedRequest,
  type ProviderAdapter,
  type TokenUsage,
} from '@aigw/providers';
import { ClientGoneError } from '../request/client-gone-error';
import { deadline, deadlinePassed, FirstByteTimeoutError, TotalTimeoutError } from './deadlines';
import { RetrySchedule, type ResiliencePolicy } from './retry-schedule';
import { upstreamTarget } from './target';

/** How one upstream attempt ended (as `libs/contracts` lists it for the router); also the `outcome` label of the attempts metric. */
export type AttemptOutcome = ReportedOutcome;

/** What is known about an attempt when its outcome is decided. */
export interface AttemptDetails {
  /** The upstream's HTTP status, if it answered. */
  status?: number;
  /** A 429's `retry-after`, number of milliseconds. */
  retryAfterMs?: number;
  /** Attempt start to now (a stream's first chunk, a complete body, or the failure), number of milliseconds. */
  latencyMs: number;
}

export interface UpstreamCall {
  operation: Operation;
  body: ClientBody;
  /** In the order to try them. */
  candidates: readonly Deployment[];
  /**
   * Aborted when the client goes away, and the upstream request is dropped at once; or with
   * `TotalTimeoutError` when the request's total deadline passes, streaming included. One signal for both, so
   * that an attempt that needs no deadline of its own passes it to undici as it is.
   */
  signal: AbortSignal;
  policy: ResiliencePolicy;
  /** Upstream credentials by env variable name. */
  credentials: Readonly<Record<string, string | undefined>>;
  /**
   * A complete 2xx non-stream body as the client will get it (passed through or translated), made inside
   * the failover loop: a body that throws `UpstreamError` here (cut short, not JSON, not what its API
   * documents) is a failed attempt, and the next candidate is tried.
   */
  toClientBody(answer: { body: Buffer; contentType: string; adapter: OperationAdapter; prepared: PreparedRequest }): ClientReadyBody;
  /** Told before each attempt, so that the request is accounted to the deployment last tried. */
  onAttempt(deployment: Deployment, prepared: PreparedRequest): void;
  onOutcome(outcome: AttemptOutcome, details: AttemptDetails): void;
}

interface Served {
  deployment: Deployment;
  adapter: OperationAdapter;
  prepared: PreparedRequest;
}

/** A 2xx non-stream body in the client's format, with the usage it reports. */
export interface ClientReadyBody {
  body: Buffer;
  contentType: string;
  usage: TokenUsage | undefined;
}

/** The upstream's result, ready for the client. */
export type UpstreamResult =
  /** A complete 2xx body of a non-stream request, checked and in the client's format (`out`). */
  | (Served & { kind: 'body'; status: number; contentType: string; body: Buffer; out: ClientReadyBody })
  /** A 2xx stream whose first chunk has arrived (null if it ended at once); the rest is still to be read from `body`. */
  | (Served & { kind: 'stream'; status: number; body: Readable; first: Buffer | null })
  /** An upstream error answer to pass on: a client error, or the last answer when every candidate failed. */
  | (Served & { kind: 'answer'; status: number; error: OpenAIErrorBody; retryAfterMs?: number });

/** The agent's deadlines, numbers of milliseconds, quoted in error messages. */
export interface UpstreamTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export interface Failure {
  outcome: AttemptOutcome;
  /** What happened, for the client: names the deployment, never a URL or a credential. */
  message: string;
  /** The upstream's HTTP answer, if there was one worth passing on. */
  /** `retryAfterMs`: the upstream's `retry-after`, passed on to the client with the answer. */
  answer?: { status: number; error: OpenAIErrorBody; retryAfterMs?: number };
  /** A 429's `retry-after`, number of milliseconds. */
  retryAfterMs?: number;
}

/** Upstream error bodies are read up to this size; a longer one is not an error object. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Sends the request to the candidates in order until one serves it. A candidate that cannot be reached,
 * times out, is rate limited, fails (5xx), rejects the gateway's credential (401/403) or answers a 2xx body
 * that is malformed is skipped, as long as nothing has gone to the client yet; which is why a 2xx non-stream
 * body is read in full and made the client's here, and a 2xx stream's first chunk is awaited here. Another 4xx is the client's fault and is passed on at once. When
 * every candidate failed, the transient failures are retried as `RetrySchedule` says, within the policy's
 * attempt budget and total deadline.
 */
export async function callUpstream(agent: Agent, call: UpstreamCall, timeouts: UpstreamTimeouts): Promise<UpstreamResult> {
  const failures: Failure[] = [];
  let lastAnswer: (Served & { status: number; error: OpenAIErrorBody }) | undefined;
  const schedule = new RetrySchedule(call.candidates, call.policy, call.signal);
  for (let deployment = await schedule.next(); deployment; deployment = await schedule.next()) {
    const provider = adapterFor(deployment.kind);
    const served: Served = { deployment, adapter: provider[call.operation], prepared: provider[call.operation].prepare(call.body, deployment) };
    call.onAttempt(deployment, served.prepared);
    const startedAt = performance.now();
    const result = await attempt(agent, provider, served, call, timeouts);
    const latencyMs = performance.now() - startedAt;
    if (call.signal.aborted && !deadlinePassed(call.signal)) {
      if ('kind' in result && result.kind === 'stream') discard(result.body);
      call.onOutcome('aborted', { latencyMs });
      throw new ClientGoneError();
    }
    if (!('outcome' in result)) {
      call.onOutcome(result.kind === 'answer' ? 'client_error' : 'ok', { status: result.status, latencyMs });
      return result;
    }
    call.onOutcome(result.outcome, { status: result.answer?.status, retryAfterMs: result.retryAfterMs, latencyMs });
    schedule.failed(deployment, result.outcome, result.retryAfterMs);
    failures.push(result);
    if (result.answer) lastAnswer = { ...served, ...result.answer };
  }
  if (failures.length === 0 && deadlinePassed(call.signal)) {
    throw new UpstreamTimeoutError(`The upstream did not answer in time: no attempt could start within ${call.policy.totalMs} ms.`);
  }
  if (lastAnswer) return { kind: 'answer', ...lastAnswer };
  const summary = failures.map((f) => f.message).join('; ');
  if (failures.at(-1)?.outcome === 'timeout') throw new UpstreamTimeoutError(`The upstream did not answer in time: ${summary}.`);
  throw new UpstreamError(`No upstream could serve the request: ${summary}.`);
}

async function attempt(
  agent: Agent,
  provider: ProviderAdapter,
  served: Served,
  call: UpstreamCall,
  timeouts: UpstreamTimeouts,
): Promise<UpstreamResult | Failure> {
  const { deployment, prepared } = served;
  const name = `deployment '${deployment.id}'`;
  const credential = credentialOf(deployment, call.credentials);
  if (typeof credential === 'object') return credential;
  const target = upstreamTarget(deployment.baseUrl, prepared.path);
  // A stream must show its first chunk in time, and any answer its deployment's first byte when it sets a
  // deadline; the total deadline covers everything, streaming included.
  const firstByteMs = deployment.firstByteMs ?? (prepared.stream ? call.policy.firstByteMs : undefined);
  const firstByte = firstByteMs === undefined ? undefined : deadline(firstByteMs, () => new FirstByteTimeoutError(firstByteMs));
  const signal = firstByte ? AbortSignal.any([call.signal, firstByte.signal]) : call.signal;
  let response;
  try {
    response = await agent.request({
      origin: target.origin,
      path: target.path,
      method: 'POST',
      headers: provider.headers(credential),
      body: prepared.body,
      signal,
    });
  } catch (err) {
    firstByte?.clear();
    return networkFailure(name, err, timeouts);
  }
  const status = response.statusCode;
  // A non-stream answer's first byte came with its headers: its body is read under the body timeout.
  if (!prepared.stream) firstByte?.clear();
  if (status >= 200 && status < 300) {
    let body: Buffer;
    try {
      if (prepared.stream) return { ...served, kind: 'stream', status, body: response.body, first: await firstChunk(response.body) };
      body = Buffer.from(await response.body.arrayBuffer());
    } catch (err) {
      return networkFailure(name, err, timeouts);
    } finally {
      firstByte?.clear();
    }
    const contentType = String(response.headers['content-type'] ?? 'application/json');
    try {
      return { ...served, kind: 'body', status, contentType, body, out: call.toClientBody({ ...served, body, contentType }) };
    } catch (err) {
      // The upstream's answer is broken: a failure of that deployment, which another candidate may make good.
      if (!(err instanceof GatewayError)) throw err;
      return { outcome: 'server_error', message: `${name} answered with a malformed body (${err.message})` };
    }
  }
  firstByte?.clear();
  const error = provider.normalizeError(status, await readCapped(response.body, MAX_ERROR_BODY_BYTES));
  if (status === 401 || status === 403) {
    return { outcome: 'rejected', message: `${name} rejected the gateway's upstream credential (HTTP ${status})` };
  }
  if (status === 429) {
    const retryAfterMs = retryAfterOf(response.headers);
    return { outcome: 'rate_limited', message: `${name} is rate limited (HTTP 429)`, answer: { status, error, retryAfterMs }, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (status >= 400 && status < 500 && status !== 408) return { ...served, kind: 'answer', status, error };
  return { outcome: 'server_error', message: `${name} failed (HTTP ${status})`, answer: { status, error, retryAfterMs: retryAfterOf(response.headers) } };
}

/** Drops a stream nobody will read; its abort error must not surface as an unhandled 'error' event. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * What went wrong with a connection, from undici's error code; messages are not used, since they can carry
 * addresses. Also describes a stream that breaks after it started.
 */
export function networkFailure(name: string, err: unknown, timeouts: UpstreamTimeouts): Failure {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { outcome: 'timeout', message: `${name} could not be connected to within ${timeouts.connectMs} ms` };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { outcome: 'timeout', message: `${name} sent no response headers within ${timeouts.headersMs} ms` };
    case 'UND_ERR_BODY_TIMEOUT':
      return { outcome: 'timeout', message: `${name} sent nothing for ${timeouts.bodyMs} ms` };
    case 'AIGW_FIRST_BYTE_TIMEOUT':
      return { outcome: 'timeout', message: `${name} sent no first byte within ${(err as FirstByteTimeoutError).ms} ms` };
    case 'AIGW_TOTAL_TIMEOUT':
      return { outcome: 'timeout', message: `${name} did not finish within the request's ${(err as TotalTimeoutError).ms} ms` };
    default:
      return { outcome: 'network_error', message: `${name}: connection failed (${typeof code === 'string' ? code : 'no response'})` };
  }
}

/** The gateway's credential for `deployment` (undefined when it takes none), or the failure of one whose env variable is unset. */
export function credentialOf(deployment: Deployment, credentials: Readonly<Record<string, string | undefined>>): string | undefined | Failure {
  if (!deployment.credentialEnv) return undefined;
  return (
    credentials[deployment.credentialEnv] ||
    { outcome: 'no_credential', message: `deployment '${deployment.id}' has no credential (env ${deployment.credentialEnv} is not set)` }
  );
}

/** Waits for the first chunk of a stream and pauses it there; null if it ended without one. */
function firstChunk(body: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      cleanup();
      body.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

/** Reads at most `cap` bytes of a body and drops the rest; never fails (an unreadable body is an empty one). */
export async function readCapped(body: Readable, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= cap) {
        body.destroy();
        break;
      }
    }
  } catch {
    // The error answer is all the gateway needs; a broken error body leaves only the status to report.
  }
  return Buffer.concat(chunks, Math.min(size, cap));
}

/** A 429's wait, number of milliseconds: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterOf(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
