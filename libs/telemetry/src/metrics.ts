import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

/** Series kept by shared libraries (e.g. the bus client's request latency), and the registries that expose them. */
const libraryMetrics = new Set<Metric>();
const registries = new Set<Registry>();

/**
 * How often the event-loop lag (`nodejs_eventloop_lag_*`) is sampled, number of milliseconds. prom-client's
 * 10 ms wakes an idle process 100 times a second, about 0.7% of a core here; at 50 ms every stall of 50 ms
 * or more is still recorded, at most 50 ms short, and a 15 s scrape still holds 300 samples.
 */
const EVENT_LOOP_SAMPLE_MS = 50;

/** A registry per service, with Node's process metrics and a `service` label on every series. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  for (const metric of libraryMetrics) registry.registerMetric(metric);
  registries.add(registry);
  return registry;
}

/**
 * Declares a metric that a shared library keeps for the whole process (create it with `registers: []`):
 * every service registry, made before or after, exposes it. Libraries thus need no registry handed to
 * each of their objects.
 */
export function libraryMetric<M extends Metric>(metric: M): M {
  libraryMetrics.add(metric);
  for (const registry of registries) registry.registerMetric(metric);
  return metric;
}
