import { costOf, formatMicros, parseMicros, PriceSection, priceAt } from './index';

describe('money – integer micro-units', () => {
  it('parses decimal strings exactly', () => {
    expect(parseMicros('0.15')).toBe(150_000);
    expect(parseMicros('2.5')).toBe(2_500_000);
    expect(parseMicros('10')).toBe(10_000_000);
    expect(parseMicros('0.000001')).toBe(1);
    expect(parseMicros('0.0000001')).toBeUndefined();
    expect(parseMicros('-1')).toBeUndefined();
    expect(parseMicros('1e3')).toBeUndefined();
  });

  it('formats micro-units as a 6-decimal string', () => {
    expect(formatMicros(1_500_000)).toBe('1.500000');
    expect(formatMicros(7)).toBe('0.000007');
    expect(formatMicros(-250)).toBe('-0.000250');
  });
});

const table = PriceSection.parse({
  currency: 'USD',
  models: {
    'gpt-4o-mini': [
      { from: '2024-01-01', input: '0.15', output: '0.60', cachedInput: '0.075' },
      { from: '2026-06-01', input: '0.10', output: '0.40' },
    ],
    'azure/gpt-4o-mini': [{ from: '2024-01-01', input: '0.20', output: '0.80' }],
  },
});

describe('price table – periods and lookup', () => {
  it('uses the period in force on the day of the request', () => {
    expect(priceAt(table, 'openai', 'gpt-4o-mini', new Date('2026-05-31T23:59:59Z'))).toEqual({ input: 150_000, output: 600_000, cachedInput: 75_000 });
    expect(priceAt(table, 'openai', 'gpt-4o-mini', new Date('2026-06-01T00:00:00Z'))).toEqual({ input: 100_000, output: 400_000, cachedInput: 100_000 });
  });

  it('prefers a provider-qualified price', () => {
    expect(priceAt(table, 'azure', 'gpt-4o-mini', new Date('2026-01-01'))?.input).toBe(200_000);
  });

  it('has no price before the first period or for an unknown model', () => {
    expect(priceAt(table, 'openai', 'gpt-4o-mini', new Date('2023-12-31'))).toBeUndefined();
    expect(priceAt(table, 'openai', 'unknown', new Date('2026-01-01'))).toBeUndefined();
  });

  it('rejects a float-looking or malformed price with a message naming the format', () => {
    const r = PriceSection.safeParse({ currency: 'USD', models: { m: [{ from: '2024-01-01', input: 'cheap', output: '1' }] } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/decimal string/);
  });
});

describe('cost – one request', () => {
  it('prices cached prompt tokens at the cached price and rounds half up once', () => {
    const price = priceAt(table, 'openai', 'gpt-4o-mini', new Date('2026-01-01'))!;
    // 1000 uncached × 0.15 + 200 cached × 0.075 + 500 × 0.60 = 150 + 15 + 300 = 465 micro-USD
    expect(costOf({ promptTokens: 1200, cachedTokens: 200, completionTokens: 500 }, price)).toBe(465);
    // 3 × 0.15 + 1 × 0.60 = 1.05 micro-USD → 1; 7 × 0.15 + 1 × 0.60 = 1.65 → 2
    expect(costOf({ promptTokens: 3, cachedTokens: 0, completionTokens: 1 }, price)).toBe(1);
    expect(costOf({ promptTokens: 7, cachedTokens: 0, completionTokens: 1 }, price)).toBe(2);
  });
});
