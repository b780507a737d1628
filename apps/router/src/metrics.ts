import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HealthBoard } from './health/health-board';

const STATE_VALUES = { closed: 0, cooling: 1, half_open: 2, open: 3 } as const;

/** The router's metrics; per-deployment gauges are read from the board at scrape time. */
export function createRouterMetrics(registry: Registry, board: HealthBoard) {
  const registers = [registry];
  const perDeployment = (name: string, help: string, read: (board: HealthBoard, id: string, now: number) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['deployment'],
      registers,
      collect() {
        this.reset();
        const now = board.now();
        for (const [id] of board.entries()) {
          const value = read(board, id, now);
          if (value !== undefined) this.set({ deployment: id }, value);
        }
      },
    });
  perDeployment('aigw_router_circuit_state', 'Deployment standing: 0 closed, 1 cooling down after a 429, 2 half-open, 3 open.', (b, id, now) => STATE_VALUES[b.of(id).standing(now)]);
  perDeployment('aigw_router_in_flight', 'Upstream attempts in flight per deployment, as the attempt reports tell them.', (b, id) => b.of(id).inFlight());
  perDeployment('aigw_router_ttft_ewma_ms', 'Moving average of time to first token per deployment, milliseconds.', (b, id) => b.of(id).ttftMs);
  perDeployment('aigw_router_latency_ewma_ms', 'Moving average of attempt latency per deployment, milliseconds.', (b, id) => b.of(id).latencyMs);
  return {
    routes: new Counter({ name: 'aigw_router_routes_total', help: 'Route requests answered, by result (ok or the error code).', labelNames: ['result'], registers }),
    // Choosing is in-memory work of microseconds: the buckets start at 10 µs.
    decisionSeconds: new Histogram({
      name: 'aigw_router_decision_duration_seconds',
      help: "Time to choose one request's candidates (or refuse it), once its route request is decoded.",
      buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01],
      registers,
    }),
    attemptEvents: new Counter({ name: 'aigw_router_attempt_events_total', help: 'Attempt reports received, by kind (started or finished).', labelNames: ['kind'], registers }),
    configUpdates: new Counter({ name: 'aigw_router_config_updates_total', help: 'Routing configurations from KV, by result (applied or rejected).', labelNames: ['result'], registers }),
    circuitChanges: new Counter({ name: 'aigw_router_circuit_changes_total', help: 'Circuit changes, proposed here or taken from another replica, by state (open or closed).', labelNames: ['state'], registers }),
    healthChecks: new Counter({ name: 'aigw_router_health_checks_total', help: 'Active health checks made by this replica, by outcome.', labelNames: ['outcome'], registers }),
  };
}
export type RouterMetrics = ReturnType<typeof createRouterMetrics>;
