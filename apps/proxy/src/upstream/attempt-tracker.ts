import type { Deployment } from '@aigw/contracts';
import type { TokenUsage } from '@aigw/providers';
import type { AttemptReporter } from './attempt-reporter';
import type { AttemptDetails, AttemptOutcome } from './call-upstream';
import type { RelayEnd } from './sse-relay';

/**
 * Reports one request's upstream attempts to the router: each start, and each end with its outcome and
 * timings. A stream that started is reported when it ends (its latency is the whole stream, and it counts
 * as in flight until then); everything else when its outcome is decided.
 */
export class AttemptTracker {
  readonly #reporter: AttemptReporter;
  readonly #requestId: string;
  readonly #promptTokens: number | undefined;
  #attempt = 0;
  #deployment: Deployment | undefined;
  #startedAt = 0;
  /** A started stream: its time to first byte, reported with its end. */
  #streaming: { ttftMs: number; status: number | undefined } | undefined;
  #brokenBy: AttemptOutcome = 'network_error';

  constructor(reporter: AttemptReporter, requestId: string, promptTokens: number | undefined) {
    this.#reporter = reporter;
    this.#requestId = requestId;
    this.#promptTokens = promptTokens;
  }

  started(deployment: Deployment): void {
    this.#attempt += 1;
    this.#deployment = deployment;
    this.#startedAt = performance.now();
    this.#reporter.started(this.#requestId, this.#attempt, deployment.id, this.#promptTokens);
  }

  decided(outcome: AttemptOutcome, details: AttemptDetails, stream: boolean): void {
    if (outcome === 'ok' && stream) {
      this.#streaming = { ttftMs: details.latencyMs, status: details.status };
      return;
    }
    const ttftMs = outcome === 'ok' ? { ttftMs: details.latencyMs } : {};
    this.#finish({ outcome, ...ttftMs, ...optional(details), streamed: false });
  }

  /** How a started stream broke, from the failure the relay describes. */
  brokeWith(outcome: AttemptOutcome): void {
    this.#brokenBy = outcome;
  }

  streamEnded(end: RelayEnd, usage: TokenUsage | undefined): void {
    if (!this.#streaming) return;
    const outcome: AttemptOutcome = end === 'complete' ? 'ok' : end === 'client_gone' ? 'aborted' : this.#brokenBy;
    const { ttftMs, status } = this.#streaming;
    this.#streaming = undefined;
    this.#finish({
      outcome,
      ttftMs,
      latencyMs: performance.now() - this.#startedAt,
      streamed: true,
      ...(status === undefined ? {} : { status }),
      ...(usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } : {}),
    });
  }

  #finish(report: Parameters<AttemptReporter['finished']>[3]): void {
    if (this.#deployment) this.#reporter.finished(this.#requestId, this.#attempt, this.#deployment.id, report);
  }
}

function optional(details: AttemptDetails): AttemptDetails {
  const out: AttemptDetails = { latencyMs: details.latencyMs };
  if (details.status !== undefined) out.status = details.status;
  if (details.retryAfterMs !== undefined) out.retryAfterMs = details.retryAfterMs;
  return out;
}
