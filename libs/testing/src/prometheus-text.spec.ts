import { metricValue, parseMetrics } from './prometheus-text';

const TEXT = `# HELP x_total things
# TYPE x_total counter
x_total{service="proxy",result="ok"} 3
x_total{result="error",service="proxy"} 2
x_total{result="ok",service="quota"} 1
up 1
odd{msg="a \\"quoted\\" value"} 0
`;

describe('prometheus text – samples', () => {
  it('sums the series whose labels include the given ones, whatever their order', () => {
    const samples = parseMetrics(TEXT);
    expect(metricValue(samples, 'x_total', { result: 'ok' })).toBe(4);
    expect(metricValue(samples, 'x_total', { service: 'proxy' })).toBe(5);
    expect(metricValue(samples, 'up')).toBe(1);
  });

  it('tells a series at 0 from one that is not there', () => {
    const samples = parseMetrics(TEXT);
    expect(metricValue(samples, 'odd', { msg: 'a "quoted" value' })).toBe(0);
    expect(metricValue(samples, 'x_total', { result: 'dropped' })).toBeUndefined();
    expect(metricValue(samples, 'missing_total')).toBeUndefined();
  });
});
