import type { Agent } from 'undici';
import { UpstreamError, UpstreamTimeoutError, type Deployment } from '@aigw/contracts';
import type { OpenAIErrorBody, ProviderAdapter, TokenCounter } from '@aigw/providers';
import { ClientGoneError } from '../request/client-gone-error';
import { credentialOf, MAX_ERROR_BODY_BYTES, networkFailure, readCapped, retryAfterOf, type UpstreamTimeouts } from './call-upstream';
import { deadlinePassed } from './deadlines';
import { upstreamTarget } from './target';

/** A count the upstream answered: the input tokens, or its error in the gateway's internal shape. */
export type CountResult = { kind: 'count'; inputTokens: number } | { kind: 'answer'; status: number; error: OpenAIErrorBody; retryAfterMs?: number };

/**
 * Asks `deployment`'s provider to count a prompt's input tokens (`counter`, one of its `tokenCounters`).
 * One call, no other candidate: another deployment may be another model, counting otherwise. `signal` is
 * aborted when the client leaves or, with a `TotalTimeoutError`, at the request's deadline. Fails with the
 * gateway's typed errors where the call itself failed, or the gateway's credential was refused; the
 * upstream's other refusals are its answer.
 */
export async function countUpstream(
  agent: Agent,
  call: {
    deployment: Deployment;
    provider: ProviderAdapter;
    counter: TokenCounter;
    body: Readonly<Record<string, unknown>>;
    credentials: Readonly<Record<string, string | undefined>>;
    signal: AbortSignal;
  },
  timeouts: UpstreamTimeouts,
): Promise<CountResult> {
  const { deployment, provider, counter } = call;
  const name = `deployment '${deployment.id}'`;
  const credential = credentialOf(deployment, call.credentials);
  if (typeof credential === 'object') throw new UpstreamError(`No upstream could serve the request: ${credential.message}.`);
  const prepared = counter.prepare(call.body, deployment);
  const target = upstreamTarget(deployment.baseUrl, prepared.path);
  try {
    const response = await agent.request({
      origin: target.origin,
      path: target.path,
      method: 'POST',
      headers: provider.headers(credential),
      body: prepared.body,
      signal: call.signal,
    });
    const status = response.statusCode;
    // A count is a few bytes; an answer of more is cut where an error body would be.
    const body = await readCapped(response.body, MAX_ERROR_BODY_BYTES);
    if (status >= 200 && status < 300) return { kind: 'count', inputTokens: counter.readCount(body) };
    if (status === 401 || status === 403) throw new UpstreamError(`${name} rejected the gateway's upstream credential (HTTP ${status}).`, status);
    const retryAfterMs = retryAfterOf(response.headers);
    return { kind: 'answer', status, error: provider.normalizeError(status, body), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    if (call.signal.aborted && !deadlinePassed(call.signal)) throw new ClientGoneError();
    const failure = networkFailure(name, err, timeouts);
    if (failure.outcome === 'timeout') throw new UpstreamTimeoutError(`The upstream did not answer in time: ${failure.message}.`);
    throw new UpstreamError(`No upstream could serve the request: ${failure.message}.`);
  }
}
