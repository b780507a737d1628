import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

/** Series kept by shared libraries (e.g. the bus client's request latency), and the registries that expose them. */
const libraryMetrics = new Set<Metric>();
const registries = new Set<Registry>();

/** A registry per service, with Node's process metrics and a `service` label on every series. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
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
