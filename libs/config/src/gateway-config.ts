import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProviderKind, Role } from '@aigw/contracts';
import { ConfigError, describeIssues } from './env';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'use letters, digits, ".", "_", ":" or "-"');

const Provider = z.strictObject({
  kind: ProviderKind,
  /** Base URL of the upstream API, e.g. `https://api.openai.com/v1`. */
  baseUrl: z.string().url(),
  /** Env variable holding the upstream credential. */
  credentialEnv: z.string().optional(),
});

const Deployment = z.strictObject({
  provider: id,
  /** Model name as the upstream knows it. */
  model: z.string().min(1),
});

const ModelAlias = z.strictObject({
  /** Deployments serving this alias; lower priority is tried first, ties in list order. */
  deployments: z
    .array(z.union([id, z.strictObject({ id, priority: z.number().int().default(0) })]))
    .min(1, 'an alias needs at least one deployment'),
});

const SeedKey = z.strictObject({
  id,
  tenant: id,
  role: Role.default('client'),
  /** Env variable holding the plain key; only its hash is stored. */
  secretEnv: z.string().min(1),
  /** Requests per minute for this key, overriding quota.defaults.rpm. */
  rpm: z.number().int().positive().optional(),
});

export const GatewayConfigSchema = z
  .strictObject({
    providers: z.record(id, Provider),
    deployments: z.record(id, Deployment),
    models: z.record(z.string().min(1), ModelAlias),
    keys: z.array(SeedKey).default([]),
    quota: z
      .strictObject({
        defaults: z.strictObject({ rpm: z.number().int().positive().default(600) }).default({ rpm: 600 }),
      })
      .default({ defaults: { rpm: 600 } }),
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
