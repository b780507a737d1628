import { Histogram } from 'prom-client';
import { libraryMetric } from '@aigw/telemetry';

/** How a request ended: answered, answered with an error by the service, or not answered at all. */
export type RequestResult = 'ok' | 'error' | 'unavailable';

const requestDuration = libraryMetric(
  new Histogram({
    name: 'aigw_bus_request_duration_seconds',
    help: 'NATS request/reply round trips made by this process, by subject and result (ok; error: the service answered with an error; unavailable: no answer in time or no responder).',
    labelNames: ['subject', 'result'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [],
  }),
);

/** Starts timing one request to `subject`; call the result with how it ended. */
export function timeRequest(subject: string): (result: RequestResult) => void {
  const start = performance.now();
  return (result) => requestDuration.labels(subject, result).observe((performance.now() - start) / 1000);
}
