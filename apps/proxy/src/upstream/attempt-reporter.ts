import type { NatsConnection } from '@nats-io/transport-node';
import { encodeJson } from '@aigw/bus';
import { AttemptFinishedEvent, AttemptStartedEvent, type AttemptFinished, type AttemptStarted } from '@aigw/contracts';

/** How one attempt went, as the router's health board needs it. */
export type AttemptReport = Omit<AttemptFinished, 'v' | 'requestId' | 'attempt' | 'deploymentId' | 'source' | 'ts'>;

/**
 * Tells every router replica about each upstream attempt: `router.v1.attempt-started` before it and
 * `router.v1.attempt-finished` after it. Plain core-NATS publishes, never awaited: a report costs the request
 * a buffer write, and a report lost while NATS is away costs the router one sample.
 */
export class AttemptReporter {
  readonly #nc: NatsConnection;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
  }

  started(requestId: string, attempt: number, deploymentId: string, promptTokens: number | undefined): void {
    const event: AttemptStarted = { v: 1, requestId, attempt, deploymentId, ts: Date.now() };
    if (promptTokens !== undefined) event.promptTokens = promptTokens;
    this.#publish(AttemptStartedEvent.subject, event);
  }

  finished(requestId: string, attempt: number, deploymentId: string, report: AttemptReport): void {
    const event: AttemptFinished = { v: 1, requestId, attempt, deploymentId, source: 'proxy', ts: Date.now(), ...report };
    this.#publish(AttemptFinishedEvent.subject, event);
  }

  #publish(subject: string, event: unknown): void {
    if (this.#nc.isClosed() || this.#nc.isDraining()) return;
    this.#nc.publish(subject, encodeJson(event));
  }
}
