import type { Request, Response } from 'express';
import { checkModel } from '@aigw/contracts';
import { adapterFor, type ClientFormat, type CountedApi } from '@aigw/providers';
import { admitAndRoute } from '../../policy/admit-and-route';
import { routeFeatures } from '../../policy/route-features';
import type { Reservation } from '../../quota/reservation';
import { telemetryOf } from '../../telemetry/request-telemetry';
import { upstreamErrorReply } from '../../translation/client-error';
import { countUpstream } from '../../upstream/count-upstream';
import { deadline, TotalTimeoutError } from '../../upstream/deadlines';
import { countGatewayPrompt } from '../../usage/gateway-token-count';
import { sendClientError } from '../error-map';
import { parseJsonObject, requireAnthropicMessages, requireModel } from '../inference-params';
import { readJsonBody } from '../read-body';
import { contextOf } from '../request-context';
import type { InferenceDeps } from './inference';

/** Says whose count a client got: its upstream's own, or the gateway's. */
export const USAGE_SOURCE_HEADER = 'x-aigw-usage-source';

/** The two count APIs: Anthropic's `count_tokens` and OpenAI's `responses/input_tokens`. */
const COUNT_APIS: Readonly<
  Record<CountedApi, { route: string; format: ClientFormat; validate: (body: Record<string, unknown>) => void; answer: (inputTokens: number) => object }>
> = {
  messages: { route: 'messages.count_tokens', format: 'anthropic', validate: requireAnthropicMessages, answer: (n) => ({ input_tokens: n }) },
  // Its `input` is optional: instructions alone are a prompt too.
  responses: { route: 'responses.input_tokens', format: 'openai', validate: () => undefined, answer: (n) => ({ object: 'response.input_tokens', input_tokens: n }) },
};

/** What a count holds of a key's limits: one request, no tokens, no money. */
const COUNT_RESERVATION: Reservation = { promptTokens: 0, maxTokens: 0 };

/**
 * A prompt's input tokens, for any alias the key may use, in the client API's own format. The alias's first
 * deployment counts when its provider can for that API (`tokenCounters`: Anthropic and Gemini a Messages
 * prompt, OpenAI a Responses one); otherwise the gateway counts as it does when an upstream reports no
 * usage (o200k, OpenAI's tokenizer: exact text for GPT-4o-family models, an estimate for others). Either
 * way `x-aigw-usage-source` says which. Counting is admitted by quota like any request (it counts against
 * requests per minute and per day, and concurrency), reserving no tokens; it is not metered, as it spends none.
 */
export function countTokensRoute(api: CountedApi, deps: InferenceDeps) {
  const { route, format, validate, answer } = COUNT_APIS[api];
  return async (req: Request, res: Response): Promise<void> => {
    const ctx = contextOf(res);
    ctx.route = route;
    ctx.format = format;
    // Aborted when the client leaves, or by the request's total deadline (with its own reason) once the upstream is asked.
    const abort = new AbortController();
    const lease = deps.leases.track(ctx.id);
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
      // Nothing is metered for a count: whatever quota held for it is given back now.
      lease.end(false);
    });
    const principal = (ctx.principal = await deps.authenticate(req));
    const body = parseJsonObject(await readJsonBody(req, deps.maxBodyBytes, deps.jsonShape));
    ctx.model = requireModel(body);
    checkModel(principal, ctx.model);
    validate(body);
    const features = routeFeatures(body, req.headers);
    // A count is a request: it counts against the request limits, reserving no tokens and no money.
    const { candidates } = await admitAndRoute(
      deps.bus,
      res,
      { requestId: ctx.id, principal, model: ctx.model, features, reservation: COUNT_RESERVATION, lease },
      telemetryOf(res).context,
    );
    const deployment = candidates[0]!;
    const provider = adapterFor(deployment.kind);
    const counter = provider.tokenCounters?.[api];
    if (!counter) {
      send(res, 'gateway', answer(await countGatewayPrompt(body)));
      return;
    }
    ctx.deployment = deployment;
    const total = deadline(deps.resilience.totalMs, () => new TotalTimeoutError(deps.resilience.totalMs), abort);
    res.once('close', total.clear);
    const result = await countUpstream(deps.agent, { deployment, provider, counter, body, credentials: deps.credentials, signal: abort.signal }, deps.timeouts);
    if (result.kind === 'count') {
      send(res, 'upstream', answer(result.inputTokens));
      return;
    }
    const reply = upstreamErrorReply(result);
    sendClientError(res, format, reply.status, reply.body, reply.headers);
  };
}

function send(res: Response, source: 'gateway' | 'upstream', answer: object): void {
  const body = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [USAGE_SOURCE_HEADER]: source });
  res.end(body);
}
