import type { UsageRecorded } from '@aigw/contracts';
import { countersOf, daysBetween, escapeDim, unescapeDim } from './ledger';

const event = (over: Partial<UsageRecorded> = {}): UsageRecorded => ({
  v: 1,
  id: 'req_1',
  ts: '2025-03-01T12:00:00Z',
  tenantId: 't1',
  keyId: 'k1',
  model: 'gpt-4o',
  servedModel: 'gpt-4o-2024-08-06',
  provider: 'openai',
  deploymentId: 'd1',
  operation: 'chat.completions',
  stream: false,
  status: 200,
  incomplete: false,
  promptTokens: 10,
  completionTokens: 5,
  cachedTokens: 2,
  usageSource: 'upstream',
  latencyMs: 100,
  ttftMs: 50,
  ...over,
});

describe('ledger dimension escaping', () => {
  it('ledger – escaped dimensions never contain the separator and decode to the original', () => {
    for (const value of ['a:b', '%3A', 'a%:b:%25', '', 'plain', '::']) {
      const escaped = escapeDim(value);
      expect(escaped).not.toContain(':');
      expect(unescapeDim(escaped)).toBe(value);
    }
  });

  it('ledger – tuples that differ only in where a separator sits stay distinct', () => {
    const a = ['a:b', 'c'].map(escapeDim).join(':');
    const b = ['a', 'b:c'].map(escapeDim).join(':');
    expect(a).not.toBe(b);
    expect(a.split(':').map(unescapeDim)).toEqual(['a:b', 'c']);
  });
});

describe('ledger days and counters', () => {
  it('ledger – enumerates UTC days inclusively across month and leap-day boundaries', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(daysBetween('2025-01-01', '2025-01-01')).toEqual(['2025-01-01']);
  });

  it('ledger – counts an error for a 4xx/5xx status or an incomplete response, and totals prompt plus completion', () => {
    expect(countersOf(event())).toEqual({
      requests: 1,
      errors: 0,
      prompt_tokens: 10,
      completion_tokens: 5,
      cached_tokens: 2,
      total_tokens: 15,
      streamed_requests: 0,
    });
    expect(countersOf(event({ status: 429 })).errors).toBe(1);
    expect(countersOf(event({ status: 200, incomplete: true, stream: true }))).toMatchObject({ errors: 1, streamed_requests: 1 });
  });
});
