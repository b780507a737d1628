import type { NatsConnection } from '@nats-io/transport-node';
import { decodeJson } from '@aigw/bus';
import { ATTEMPTS_REPORTED_MAX, AttemptsReported, AttemptsReportedEvent } from '@aigw/contracts';
import { ATTEMPT_REPORT_WINDOW_MS, AttemptReporter } from './attempt-reporter';

/** A connection that records what is published on it. */
function fakeConnection() {
  const state = { closed: false, draining: false };
  const published: Array<{ subject: string; batch: AttemptsReported }> = [];
  const nc = {
    isClosed: () => state.closed,
    isDraining: () => state.draining,
    publish: (subject: string, data: Uint8Array) => published.push({ subject, batch: AttemptsReported.parse(decodeJson(data)) }),
  } as unknown as NatsConnection;
  return { nc, published, state };
}

const ok = { outcome: 'ok' as const, status: 200, ttftMs: 3, latencyMs: 5, streamed: false };

describe('AttemptReporter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('attempt reporter – sends the reports of one window as one message, starts and ends in the order they came', () => {
    const { nc, published } = fakeConnection();
    const reporter = new AttemptReporter(nc);
    reporter.started('r1', 1, 'a', 12);
    reporter.started('r2', 1, 'b', undefined);
    reporter.finished('r1', 1, 'a', ok);
    jest.advanceTimersByTime(ATTEMPT_REPORT_WINDOW_MS - 1);
    expect(published).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(published).toHaveLength(1);
    expect(published[0]!.subject).toBe(AttemptsReportedEvent.subject);
    const { started, finished } = published[0]!.batch;
    expect(started.map((e) => [e.requestId, e.deploymentId, e.promptTokens])).toEqual([
      ['r1', 'a', 12],
      ['r2', 'b', undefined],
    ]);
    expect(finished).toEqual([expect.objectContaining({ requestId: 'r1', attempt: 1, deploymentId: 'a', source: 'proxy', ...ok })]);
  });

  it('attempt reporter – starts a new window with the next report, and sends nothing for an empty one', () => {
    const { nc, published } = fakeConnection();
    const reporter = new AttemptReporter(nc);
    reporter.started('r1', 1, 'a', 1);
    jest.advanceTimersByTime(ATTEMPT_REPORT_WINDOW_MS);
    jest.advanceTimersByTime(10 * ATTEMPT_REPORT_WINDOW_MS);
    reporter.finished('r1', 1, 'a', ok);
    jest.advanceTimersByTime(ATTEMPT_REPORT_WINDOW_MS);
    expect(published.map(({ batch }) => [batch.started.length, batch.finished.length])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('attempt reporter – sends a full batch at once, without waiting for the window', () => {
    const { nc, published } = fakeConnection();
    const reporter = new AttemptReporter(nc);
    for (let i = 0; i < ATTEMPTS_REPORTED_MAX; i += 1) reporter.started(`r${i}`, 1, 'a', 1);
    expect(published).toHaveLength(1);
    expect(published[0]!.batch.started).toHaveLength(ATTEMPTS_REPORTED_MAX);
    reporter.started('next', 1, 'a', 1);
    jest.advanceTimersByTime(ATTEMPT_REPORT_WINDOW_MS);
    expect(published.map(({ batch }) => batch.started.length)).toEqual([ATTEMPTS_REPORTED_MAX, 1]);
  });

  it('attempt reporter – flush sends what waits at once, so that a shutdown loses no report', () => {
    const { nc, published } = fakeConnection();
    const reporter = new AttemptReporter(nc);
    reporter.finished('r1', 2, 'b', { outcome: 'rate_limited', status: 429, retryAfterMs: 1_000, latencyMs: 4, streamed: false });
    reporter.flush();
    expect(published[0]!.batch.finished).toEqual([expect.objectContaining({ requestId: 'r1', attempt: 2, outcome: 'rate_limited', retryAfterMs: 1_000 })]);
    jest.advanceTimersByTime(ATTEMPT_REPORT_WINDOW_MS);
    expect(published).toHaveLength(1);
  });

  it('attempt reporter – drops the reports of a window that ends while the connection drains', () => {
    const { nc, published, state } = fakeConnection();
    const reporter = new AttemptReporter(nc);
    reporter.started('r1', 1, 'a', 1);
    state.draining = true;
    jest.advanceTimersByTime(ATTEMPT_REPORT_WINDOW_MS);
    expect(published).toHaveLength(0);
  });
});
