import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PriceSection } from '@aigw/pricing';
import { ConfigError, describeIssues } from './env';
import { AuthSection } from './sections/auth';
import { KeySection } from './sections/keys';
import { checkQuotaModels, QuotaSection } from './sections/quota';
import { DeploymentSection, ModelSection, ProviderSection } from './sections/upstreams';
import { RoutingSection } from './sections/routing';

/**
 * The gateway config file. Each top-level section has its schema in `sections/<name>.ts`; cross-section
 * references (a deployment's provider, an alias's deployments) are checked here.
 */
export const GatewayConfigSchema = z
  .strictObject({
    providers: ProviderSection,
    deployments: DeploymentSection,
    models: ModelSection,
    keys: KeySection,
    quota: QuotaSection,
    prices: PriceSection,
    routing: RoutingSection,
    auth: AuthSection,
  })
  .superRefine((cfg, ctx) => {
    for (const [name, d] of Object.entries(cfg.deployments)) {
      if (!cfg.providers[d.provider]) {
        ctx.addIssue({ code: 'custom', path: ['deployments', name, 'provider'], message: `unknown provider '${d.provider}'` });
      }
    }
    for (const [alias, m] of Object.entries(cfg.models)) {
      m.deployments.forEach((ref, i) => {
        const depId = typeof ref === 'string' ? ref : ref.id;
        if (!cfg.deployments[depId]) {
          ctx.addIssue({ code: 'custom', path: ['models', alias, 'deployments', i], message: `unknown deployment '${depId}'` });
        }
      });
    }
    const seen = new Set<string>();
    cfg.keys.forEach((k, i) => {
      if (seen.has(k.id)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'id'], message: `duplicate key id '${k.id}'` });
      seen.add(k.id);
    });
    checkQuotaModels(cfg, ctx);
  });
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

/** Default config file, relative to the repository root. */
export const DEFAULT_CONFIG_PATH = resolve(__dirname, '../../../config/gateway.yaml');

/** Replaces `${VAR}` and `${VAR:-default}` in string values with the environment's values. */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, problems: string[], path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const v = env[name] ?? fallback;
      if (v === undefined) problems.push(`${path}: env variable ${name} is not set and has no default`);
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, problems, `${path}.${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, problems, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Parses and validates gateway config text (YAML or JSON); `source` names it in errors. */
export function parseGatewayConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(source, [`not valid YAML or JSON: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  const interpolated = interpolate(raw, env, problems, '');
  if (problems.length) throw new ConfigError(source, problems);
  const result = GatewayConfigSchema.safeParse(interpolated);
  if (!result.success) throw new ConfigError(source, describeIssues(result.error));
  return deepFreeze(result.data);
}

/** Loads the gateway config file named by `AIGW_CONFIG`, or the default one. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const path = resolve(env.AIGW_CONFIG ?? DEFAULT_CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseGatewayConfig(text, path, env);
}
