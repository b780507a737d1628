import type { UsageRecorded } from '@aigw/contracts';
import { PriceSection } from '@aigw/pricing';
import { countersOf } from './event-counters';

const prices = PriceSection.parse({
  currency: 'USD',
  models: {
    'gpt-4o-mini': [
      { from: '2024-01-01', input: '0.15', output: '0.60', cachedInput: '0.075' },
      { from: '2025-06-01', input: '0.10', output: '0.40' },
    ],
  },
});

const event = (over: Partial<UsageRecorded> = {}): UsageRecorded => ({
  v: 1,
  id: 'req_1',
  ts: '2025-03-01T12:00:00Z',
  tenantId: 't1',
  keyId: 'k1',
  model: 'fast',
  servedModel: 'gpt-4o-mini',
  provider: 'openai',
  deploymentId: 'd1',
  operation: 'chat.completions',
  stream: false,
  status: 200,
  incomplete: false,
  promptTokens: 1200,
  completionTokens: 500,
  cachedTokens: 200,
  reasoningTokens: 100,
  usageSource: 'upstream',
  latencyMs: 100,
  ttftMs: 50,
  ...over,
});

describe('event counters', () => {
  it('event counters – prices the served model at the event’s time: 1000×0.15 + 200×0.075 + 500×0.60 = 465 micro-USD', () => {
    expect(countersOf(event(), prices)).toEqual({
      requests: 1,
      errors: 0,
      streamed_requests: 0,
      cache_hits: 0,
      gateway_counted_requests: 0,
      unpriced_requests: 0,
      prompt_tokens: 1200,
      cached_tokens: 200,
      completion_tokens: 500,
      reasoning_tokens: 100,
      total_tokens: 1700,
      cost_micros: 465,
    });
    // After the price change: 1200 × 0.10 (no cached price: the input price) + 500 × 0.40 = 320.
    expect(countersOf(event({ ts: '2025-06-01T00:00:00Z' }), prices).cost_micros).toBe(320);
  });

  it('event counters – counts an unpriced model with cost 0 instead of dropping it', () => {
    expect(countersOf(event({ servedModel: 'mystery' }), prices)).toMatchObject({ requests: 1, unpriced_requests: 1, cost_micros: 0, prompt_tokens: 1200 });
  });

  it('event counters – charges nothing for a gateway cache hit, and does not call it unpriced', () => {
    expect(countersOf(event({ cacheHit: true }), prices)).toMatchObject({ cache_hits: 1, unpriced_requests: 0, cost_micros: 0 });
  });

  it('event counters – counts an error for a 4xx/5xx or an incomplete response, and flags gateway-counted usage', () => {
    expect(countersOf(event({ status: 429 }), prices).errors).toBe(1);
    expect(countersOf(event({ incomplete: true, stream: true, usageSource: 'gateway' }), prices)).toMatchObject({
      errors: 1,
      streamed_requests: 1,
      gateway_counted_requests: 1,
    });
  });

  it('event counters – reads an event written before reasoning tokens and cache hits existed', () => {
    const { reasoningTokens: _r, ...old } = event();
    expect(countersOf(old, prices)).toMatchObject({ reasoning_tokens: 0, cache_hits: 0, cost_micros: 465 });
  });
});
