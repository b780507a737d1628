import { ConfigError } from './env';
import { effectiveLimits, hasLimits } from './effective-limits';
import { parseGatewayConfig } from './gateway-config';
import { QuotaSection } from './sections/quota';

const upstreams = `
providers:
  up: { kind: openai, baseUrl: "http://127.0.0.1:1/v1" }
deployments:
  a: { provider: up, model: m-a }
models:
  chat: { deployments: [a] }
  big: { deployments: [a] }
`;

const quota = QuotaSection.parse({
  defaults: { rpm: 600, tpm: 100_000 },
  tiers: {
    free: { rpm: 20, maxConcurrent: 2, dailyBudgetMicros: 1_000_000, models: { big: { rpm: 2 } } },
    pro: { rpm: 1000, monthlyBudgetMicros: 500_000_000 },
  },
  models: { big: { rpm: 50, tpm: 20_000 } },
});

describe('quota config – section', () => {
  test('quota config – an empty section gets the documented defaults', () => {
    expect(QuotaSection.parse(undefined)).toEqual({
      defaults: { rpm: 600 },
      tiers: {},
      models: {},
      defaultMaxTokens: 4096,
      leaseTtlMs: 30_000,
      maxRequestMs: 600_000,
      reconcileGraceMs: 120_000,
      failurePolicy: { requests: 'open', tokens: 'open', concurrency: 'open', budget: 'closed' },
    });
  });

  test('quota config – a failure policy set for one dimension keeps the defaults of the others', () => {
    expect(QuotaSection.parse({ failurePolicy: { requests: 'closed' } }).failurePolicy).toEqual({
      requests: 'closed',
      tokens: 'open',
      concurrency: 'open',
      budget: 'closed',
    });
  });

  function problemsOf(text: string): string[] {
    try {
      parseGatewayConfig(text, 'test.yaml', {});
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
    throw new Error('expected a ConfigError');
  }

  test('quota config – a misspelt limit is an error, in defaults, tiers and models alike', () => {
    const problems = problemsOf(
      upstreams +
        'quota:\n  defaults: { rpn: 5 }\n  tiers: { free: { tmp: 1 } }\n  models: { chat: { dailyBudget: 1 } }\n',
    );
    expect(problems).toEqual([
      expect.stringMatching(/^quota\.defaults: .*rpn/),
      expect.stringMatching(/^quota\.tiers\.free: .*tmp/),
      expect.stringMatching(/^quota\.models\.chat: .*dailyBudget/),
    ]);
  });

  test('quota config – per-model limits must name a defined alias', () => {
    const problems = problemsOf(upstreams + 'quota:\n  models: { chta: { rpm: 5 } }\n  tiers: { free: { models: { bgi: { rpm: 1 } } } }\n');
    expect(problems).toEqual([
      "quota.models.chta: unknown model alias 'chta'",
      "quota.tiers.free.models.bgi: unknown model alias 'bgi'",
    ]);
  });

  test('quota config – an unknown failure mode names the choices', () => {
    expect(problemsOf(upstreams + 'quota:\n  failurePolicy: { budget: ignore }\n')).toEqual([
      expect.stringMatching(/^quota\.failurePolicy\.budget: .*"open".*"closed"/),
    ]);
  });
});

describe('effective limits', () => {
  test('effective limits – with nothing set, a key gets the defaults and the tenant is unlimited', () => {
    expect(effectiveLimits(quota, { model: 'chat' })).toEqual({
      key: { rpm: 600, tpm: 100_000 },
      tenant: {},
      model: {},
    });
  });

  test('effective limits – key over tenant over tier over defaults, field by field', () => {
    const limits = effectiveLimits(quota, {
      tier: 'free',
      tenantLimits: { rpm: 40, tpm: 5000 },
      keyLimits: { rpm: 10 },
      model: 'chat',
    });
    expect(limits.key).toEqual({ rpm: 10, tpm: 5000, maxConcurrent: 2, dailyBudgetMicros: 1_000_000 });
    expect(limits.tenant).toEqual({ rpm: 40, tpm: 5000, maxConcurrent: 2, dailyBudgetMicros: 1_000_000 });
  });

  test("effective limits – a tier's per-model limits win over the global ones, which fill the gaps", () => {
    expect(effectiveLimits(quota, { tier: 'free', model: 'big' }).model).toEqual({ rpm: 2, tpm: 20_000 });
    expect(effectiveLimits(quota, { tier: 'pro', model: 'big' }).model).toEqual({ rpm: 50, tpm: 20_000 });
    expect(effectiveLimits(quota, { tier: 'pro', model: 'chat' }).model).toEqual({});
  });

  test('effective limits – a tier the config does not define counts as none', () => {
    expect(effectiveLimits(quota, { tier: 'gold', model: 'chat' })).toEqual(effectiveLimits(quota, { model: 'chat' }));
  });

  test('effective limits – a budget of zero is a limit, not an absence of one', () => {
    const limits = effectiveLimits(quota, { tier: 'pro', keyLimits: { monthlyBudgetMicros: 0 }, model: 'chat' });
    expect(limits.key.monthlyBudgetMicros).toBe(0);
    expect(limits.tenant.monthlyBudgetMicros).toBe(500_000_000);
    expect(hasLimits({ monthlyBudgetMicros: 0 })).toBe(true);
    expect(hasLimits({})).toBe(false);
  });
});
