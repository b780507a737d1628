import type { NatsConnection } from '@nats-io/transport-node';
import { encodeJson } from '@aigw/bus';
import { ATTEMPTS_REPORTED_MAX, AttemptsReportedEvent, type AttemptFinished, type AttemptsReported, type AttemptStarted } from '@aigw/contracts';

/** How one attempt went, as the router's health board needs it. */
export type AttemptReport = Omit<AttemptFinished, 'requestId' | 'attempt' | 'deploymentId' | 'source' | 'ts'>;

/**
 * Longest a report waits for others to share its message, number of milliseconds. Each message costs a
 * write here and a wake-up, a parse and a dispatch on every router replica; a few milliseconds of delay
 * cost the router's view of the upstreams nothing it could act on.
 */
export const ATTEMPT_REPORT_WINDOW_MS = 5;

/**
 * Tells every router replica about each upstream attempt: its start before it, its outcome after it. The
 * reports of a short window go out together as one `router.v1.attempts-reported`, a plain core-NATS publish,
 * never awaited: a report costs the request an array push, and a report lost while NATS is away costs the
 * router one sample.
 */
export class AttemptReporter {
  readonly #nc: NatsConnection;
  readonly #windowMs: number;
  #started: AttemptStarted[] = [];
  #finished: AttemptFinished[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(nc: NatsConnection, windowMs = ATTEMPT_REPORT_WINDOW_MS) {
    this.#nc = nc;
    this.#windowMs = windowMs;
  }

  started(requestId: string, attempt: number, deploymentId: string, promptTokens: number | undefined): void {
    const event: AttemptStarted = { requestId, attempt, deploymentId, ts: Date.now() };
    if (promptTokens !== undefined) event.promptTokens = promptTokens;
    this.#started.push(event);
    this.#queued(this.#started.length);
  }

  finished(requestId: string, attempt: number, deploymentId: string, report: AttemptReport): void {
    this.#finished.push({ requestId, attempt, deploymentId, source: 'proxy', ts: Date.now(), ...report });
    this.#queued(this.#finished.length);
  }

  /** Publishes the reports waiting for their window now; call it before draining the connection. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#started.length === 0 && this.#finished.length === 0) return;
    const batch: AttemptsReported = { v: 1, started: this.#started, finished: this.#finished };
    this.#started = [];
    this.#finished = [];
    if (this.#nc.isClosed() || this.#nc.isDraining()) return;
    this.#nc.publish(AttemptsReportedEvent.subject, encodeJson(batch));
  }

  #queued(entries: number): void {
    if (entries >= ATTEMPTS_REPORTED_MAX) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#windowMs).unref();
  }
}
