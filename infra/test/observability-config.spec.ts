import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const INFRA = join(ROOT, 'infra');
const PROMETHEUS = join(INFRA, 'prometheus');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = (parse(readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

/** promtool from PATH (Debian: `apt-get install prometheus`), if there is one. */
const promtool = spawnSync('promtool', ['--version']).status === 0 ? 'promtool' : undefined;
if (!promtool) console.warn('promtool is not on PATH: the promtool checks of infra/prometheus are skipped (Debian: apt-get install prometheus); the schema tests still run.');
const withPromtool = promtool ? it : it.skip;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * Metric names the services declare: every string literal of their source shaped like one of the gateway's
 * metric names. Histograms add `_bucket`, `_sum` and `_count`; Prometheus adds `up` to every target.
 */
const exported = new Set(['up']);
for (const file of [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))]) {
  for (const [, name] of readFileSync(file, 'utf8').matchAll(/'((?:aigw|quota|metering)_[a-z0-9_]+)'/g)) {
    for (const suffix of ['', '_bucket', '_sum', '_count']) exported.add(name + suffix);
  }
}

/** Metric names a PromQL expression reads: identifiers with the gateway's prefixes, and `up`. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:aigw|quota|metering)_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) => m[1]!);
}

describe('prometheus – alert rules', () => {
  withPromtool('pass promtool check rules', () => {
    expect(execFileSync(promtool!, ['check', 'rules', join(PROMETHEUS, 'alerts.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
  });

  withPromtool('fire at their thresholds and stay quiet inside them (promtool test rules)', () => {
    const run = spawnSync(promtool!, ['test', 'rules', 'alerts.test.yml'], { cwd: PROMETHEUS, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toMatch(/SUCCESS/);
    expect(run.status).toBe(0);
  });

  withPromtool('are loaded by a valid scrape config (promtool check config)', () => {
    expect(execFileSync(promtool!, ['check', 'config', join(PROMETHEUS, 'prometheus.yml')], { encoding: 'utf8' })).toMatch(/is valid prometheus config/);
  });

  it('each have a name, a severity, a summary, a description and a duration', () => {
    for (const rule of rules) {
      expect(rule).toMatchObject({ alert: expect.stringMatching(/^Aigw[A-Z]\w+$/), expr: expect.any(String), for: expect.stringMatching(/^\d+[smh]$/) });
      expect(['info', 'warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toEqual(expect.any(String));
      expect(rule.annotations?.description).toEqual(expect.any(String));
    }
  });

  it('carry the thresholds of the observability issue', () => {
    const expr = (alert: string) => rules.find((r) => r.alert === alert)!.expr.replace(/\s+/g, ' ').trim();
    expect(expr('AigwLatencyP50High')).toMatch(/^histogram_quantile\(0\.5, .*aigw_proxy_request_duration_seconds_bucket.* > 2$/);
    expect(expr('AigwLatencyP99High')).toMatch(/^histogram_quantile\(0\.99, .*aigw_proxy_request_duration_seconds_bucket.* > 10$/);
    expect(expr('AigwErrorRateHigh')).toMatch(/status=~"5\.\."}.* > 0\.01$/);
    expect(expr('AigwTokenThroughputDrop')).toMatch(/aigw_proxy_tokens_total.* < 0\.5 \* .*offset 1h/);
    expect(expr('AigwCacheHitRateLow')).toMatch(/result="hit".* < 0\.2$/);
    expect(expr('AigwCircuitOpen')).toMatch(/aigw_router_circuit_state\) == 3$/);
    expect(expr('AigwHealthyUpstreamsLow')).toMatch(/aigw_router_healthy_deployments.*aigw_router_deployments\) < 0\.5$/);
  });

  it('read only metrics that the services export', () => {
    for (const rule of rules) {
      const names = metricsIn(rule.expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect({ alert: rule.alert, metric: name, exported: exported.has(name) }).toMatchObject({ exported: true });
    }
  });
});

describe('grafana – provisioned dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(INFRA, 'grafana/dashboards/gateway.json'), 'utf8')) as {
    uid: string;
    panels: Array<{ id: number; type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string }> }>;
  };
  const datasources = (parse(readFileSync(join(INFRA, 'grafana/provisioning/datasources/datasources.yml'), 'utf8')) as { datasources: Array<{ uid: string; type: string }> }).datasources;
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('queries the provisioned Prometheus, with unique panel ids', () => {
    const prometheus = datasources.find((d) => d.type === 'prometheus')!;
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({ panel: panel.title, uid: prometheus.uid });
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });

  it('shows every signal the alerts watch', () => {
    const shown = new Set(queries.flatMap((q) => metricsIn(q.expr)));
    for (const rule of rules.filter((r) => r.alert !== 'AigwServiceDown')) {
      for (const name of metricsIn(rule.expr)) expect({ alert: rule.alert, metric: name, shown: shown.has(name) }).toMatchObject({ shown: true });
    }
  });

  it('reads only metrics that the services export', () => {
    for (const query of queries) {
      for (const name of metricsIn(query.expr)) expect({ ...query, metric: name, exported: exported.has(name) }).toMatchObject({ exported: true });
    }
  });
});

describe('docker compose – observability services', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    'x-service': { environment: Record<string, string> };
    services: Record<string, { volumes?: string[] }>;
  };

  it('runs a collector, Jaeger, Prometheus and Grafana, and points every service’s traces at the collector', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['otel-collector', 'jaeger', 'prometheus', 'grafana']));
    expect(compose['x-service'].environment.OTEL_EXPORTER_OTLP_ENDPOINT).toContain('http://otel-collector:4318');
  });

  it('mounts only files and directories that exist', () => {
    for (const service of ['otel-collector', 'prometheus', 'grafana']) {
      for (const volume of compose.services[service]!.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect({ service, source, exists: existsSync(join(ROOT, source)) }).toMatchObject({ exists: true });
      }
    }
  });

  it('scrapes every service on the port that serves its /metrics', () => {
    const config = parse(readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; dns_sd_configs: Array<{ names: string[]; port: number }> }>;
    };
    const targets = Object.fromEntries(config.scrape_configs.map((c) => [c.dns_sd_configs[0]!.names[0], c.dns_sd_configs[0]!.port]));
    expect(targets).toEqual({ proxy: 8080, metering: 8081, auth: 9101, quota: 9102, router: 9103 });
  });
});
