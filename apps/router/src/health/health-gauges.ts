import { Gauge, type Registry } from 'prom-client';
import type { CircuitState } from './circuit-breaker';
import type { HealthBoard } from './health-board';

/**
 * Fleet-level health gauges, read from the board at scrape time over the deployments of the configuration
 * in force: how many there are, how many take traffic normally, how many have an open circuit. Replicas
 * share circuit changes, so each one reports the same picture; alerts take the max over replicas.
 */
export function registerHealthGauges(registry: Registry, board: HealthBoard, configured: () => readonly string[]): void {
  const standings = (): Array<CircuitState | 'cooling'> => {
    const now = board.now();
    const known = new Map(board.entries());
    // A deployment nothing has been heard of yet stands closed, as its breaker starts.
    return configured().map((id) => known.get(id)?.standing(now) ?? 'closed');
  };
  const count = (standing: CircuitState | 'cooling') => standings().filter((s) => s === standing).length;
  const registers = [registry];
  new Gauge({
    name: 'aigw_router_deployments',
    help: 'Deployments in the routing configuration in force.',
    registers,
    collect() {
      this.set(configured().length);
    },
  });
  new Gauge({
    name: 'aigw_router_healthy_deployments',
    help: 'Configured deployments taking traffic normally: circuit closed, not cooling down after a 429.',
    registers,
    collect() {
      this.set(count('closed'));
    },
  });
  new Gauge({
    name: 'aigw_router_open_circuits',
    help: 'Configured deployments whose circuit is open: routed to only when nothing else can serve.',
    registers,
    collect() {
      this.set(count('open'));
    },
  });
}
