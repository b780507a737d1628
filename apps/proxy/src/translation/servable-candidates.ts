import { InvalidRequestError, type Deployment } from '@aigw/contracts';
import { adapterFor, type ClientBody, type Operation, type Unsupported } from '@aigw/providers';

/**
 * The candidates that can serve this request as it is: a deployment whose provider cannot express a
 * parameter (`n: 3` for Anthropic) or whose model cannot take an input (an image for a text-only model)
 * is left out, before any upstream call. When none is left, the client gets a 400 naming the parameter
 * and the provider of the first candidate.
 */
export function servableCandidates(operation: Operation, body: ClientBody, candidates: readonly Deployment[]): readonly Deployment[] {
  let first: Unsupported | undefined;
  const servable = candidates.filter((deployment) => {
    const problem = adapterFor(deployment.kind)[operation].unsupported(body, deployment);
    first ??= problem;
    return problem === undefined;
  });
  if (servable.length === 0 && first) throw new InvalidRequestError(first.message, first.param ?? undefined);
  return servable.length === candidates.length ? candidates : servable;
}
