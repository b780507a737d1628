import { Counter } from 'prom-client';
import { createMetricsRegistry, libraryMetric } from './metrics';

describe('metrics – registries', () => {
  it('labels every series with the service', async () => {
    const registry = createMetricsRegistry('quota');
    new Counter({ name: 'test_total', help: 'test', registers: [registry] }).inc();
    expect(await registry.metrics()).toMatch(/^test_total\{service="quota"\} 1$/m);
  });

  it("exports Node's process metrics, event-loop lag included", async () => {
    const text = await createMetricsRegistry('auth').metrics();
    for (const name of ['process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(text).toMatch(new RegExp(`^${name}\\b`, 'm'));
    }
  });

  it('exposes a library metric in registries made before and after it', async () => {
    const before = createMetricsRegistry('before');
    const shared = libraryMetric(new Counter({ name: 'lib_events_total', help: 'test', labelNames: ['result'], registers: [] }));
    const after = createMetricsRegistry('after');
    shared.inc({ result: 'ok' }, 2);
    expect(await before.metrics()).toMatch(/^lib_events_total\{result="ok",service="before"\} 2$/m);
    expect(await after.metrics()).toMatch(/^lib_events_total\{result="ok",service="after"\} 2$/m);
  });
});
