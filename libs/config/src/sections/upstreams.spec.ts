import { RoutingDocumentSchema, parseRoutingDocument } from '../routing-document';
import { ConfigError } from '../env';

const base = {
  providers: { up: { kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' } },
  deployments: { a: { provider: 'up', model: 'm-a' }, b: { provider: 'up', model: 'm-b' } },
};

function problemsOf(models: unknown, extra: Record<string, unknown> = {}): string[] {
  try {
    parseRoutingDocument({ ...base, ...extra, models }, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('routing document – models, strategies and fallbacks', () => {
  it('fills in the defaults: priority strategy, weight 1, no fallbacks, and every routing setting', () => {
    const doc = RoutingDocumentSchema.parse({ ...base, models: { chat: { deployments: [{ id: 'a' }] } } });
    expect(doc.models.chat).toEqual({ strategy: 'priority', deployments: [{ id: 'a', priority: 0, weight: 1 }], fallbacks: [] });
    expect(doc.routing.breaker).toMatchObject({ consecutiveFailures: 5, cooldownMs: 5_000, halfOpenProbes: 1 });
    expect(doc.routing.healthCheck).toEqual({ enabled: true, intervalMs: 10_000, timeoutMs: 2_000 });
    expect(doc.routing.classes.map((rule) => rule.class)).toEqual(['coding', 'reasoning', 'creative']);
  });

  it('names a fallback to an unknown alias, to itself, and a loop of fallbacks', () => {
    expect(problemsOf({ chat: { deployments: ['a'], fallbacks: ['ghost', 'chat'] } })).toEqual([
      "models.chat.fallbacks.0: unknown alias 'ghost'",
      'models.chat.fallbacks.1: an alias cannot fall back to itself',
    ]);
    expect(problemsOf({ x: { deployments: ['a'], fallbacks: ['y'] }, y: { deployments: ['b'], fallbacks: ['x'] } })).toEqual([
      'models.x.fallbacks: fallbacks loop: x → y → x',
      'models.y.fallbacks: fallbacks loop: y → x → y',
    ]);
  });

  it('keeps preferences to strategy auto and to the alias\'s own deployments', () => {
    expect(problemsOf({ chat: { deployments: ['a'], preferences: { coding: ['a'] } } })).toEqual(["models.chat.preferences: preferences apply to strategy 'auto' only"]);
    expect(problemsOf({ chat: { strategy: 'auto', deployments: ['a'], preferences: { coding: ['b'] } } })).toEqual([
      "models.chat.preferences.coding.0: 'b' is not a deployment of this alias",
    ]);
    expect(problemsOf({ chat: { strategy: 'auto', deployments: ['a'], preferences: { poetry: ['a'] } } })).toHaveLength(1);
  });

  it('refuses an unknown strategy, a zero weight, a non-http base URL and unknown fields', () => {
    expect(problemsOf({ chat: { strategy: 'fastest', deployments: ['a'] } })[0]).toMatch(/^models\.chat\.strategy/);
    expect(problemsOf({ chat: { deployments: [{ id: 'a', weight: 0 }] } })[0]).toMatch(/^models\.chat\.deployments\.0/);
    expect(problemsOf({ chat: { deployments: ['a'] } }, { providers: { up: { kind: 'openai', baseUrl: 'file:///etc/passwd' } } })).toEqual([
      'providers.up.baseUrl: use an http:// or https:// URL',
    ]);
    expect(problemsOf({ chat: { deployments: ['a'], weights: [1] } })[0]).toMatch(/weights/);
  });

  it('names a deployment of an unknown provider and an alias of an unknown deployment, as the file check does', () => {
    expect(problemsOf({ chat: { deployments: ['zz'] } }, { deployments: { a: { provider: 'nope', model: 'm' } } })).toEqual([
      "deployments.a.provider: unknown provider 'nope'",
      "models.chat.deployments.0: unknown deployment 'zz'",
    ]);
  });
});
