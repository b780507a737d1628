import { ConfigError } from './env';
import { parseGatewayConfig } from './gateway-config';

const valid = `
providers:
  up: { kind: openai, baseUrl: "\${UP_URL:-http://127.0.0.1:1}/v1", credentialEnv: UP_KEY }
deployments:
  a: { provider: up, model: m-a }
  b: { provider: up, model: m-b }
models:
  chat:
    deployments: [a, { id: b, priority: 2 }]
keys:
  - { id: k1, tenant: t1, secretEnv: K1 }
`;

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseGatewayConfig(text, 'test.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway config – parsing', () => {
  it('reads a valid file, applies defaults and freezes it', () => {
    const cfg = parseGatewayConfig(valid, 'test.yaml', {});
    expect(cfg.providers.up.baseUrl).toBe('http://127.0.0.1:1/v1');
    expect(cfg.keys[0].role).toBe('client');
    expect(cfg.quota.defaults.rpm).toBe(600);
    expect(Object.isFrozen(cfg.providers.up)).toBe(true);
  });

  it('takes ${VAR} values from the environment', () => {
    const cfg = parseGatewayConfig(valid, 'test.yaml', { UP_URL: 'http://upstream:9' });
    expect(cfg.providers.up.baseUrl).toBe('http://upstream:9/v1');
  });

  it('accepts JSON as well as YAML', () => {
    const cfg = parseGatewayConfig(
      JSON.stringify({ providers: { p: { kind: 'openai', baseUrl: 'http://x/v1' } }, deployments: { d: { provider: 'p', model: 'm' } }, models: { a: { deployments: ['d'] } } }),
      'test.json',
      {},
    );
    expect(cfg.models.a.deployments).toEqual(['d']);
  });
});

describe('gateway config – a wrong file names the bad field', () => {
  it('rejects unknown fields, so a renamed setting is never silently ignored', () => {
    expect(problemsOf(valid.replace('quota', 'x') + '\nquotas: { defaults: { rpm: 5 } }\n')).toEqual([expect.stringMatching(/quotas/)]);
  });

  it('names a deployment that points at an unknown provider', () => {
    expect(problemsOf(valid.replace('a: { provider: up', 'a: { provider: nope'))).toContain("deployments.a.provider: unknown provider 'nope'");
  });

  it('names an alias that points at an unknown deployment', () => {
    expect(problemsOf(valid.replace('[a, {', '[zz, {'))).toContain("models.chat.deployments.0: unknown deployment 'zz'");
  });

  it('names a variable that is not set and has no default', () => {
    expect(problemsOf(valid.replace('${UP_URL:-http://127.0.0.1:1}', '${UP_URL}'))).toEqual([
      'providers.up.baseUrl: env variable UP_URL is not set and has no default',
    ]);
  });

  it('names a bad URL and a duplicate key id together', () => {
    const problems = problemsOf(valid.replace('"${UP_URL:-http://127.0.0.1:1}/v1"', 'not-a-url') + '  - { id: k1, tenant: t2, secretEnv: K2 }\n');
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^providers\.up\.baseUrl/), "keys.1.id: duplicate key id 'k1'"]));
  });

  it('says when the text is not YAML at all', () => {
    expect(problemsOf('providers: [unclosed')).toEqual([expect.stringMatching(/not valid YAML or JSON/)]);
  });
});
