import { emptyCounters } from '../event-counters';
import { csvHeader, csvRow, rowJson } from './usage-rows';

const row = {
  bucket: '2025-02-01T08',
  group: ['acme, inc', '=HYPERLINK("x")'],
  counters: { ...emptyCounters(), requests: 2, prompt_tokens: 30, cost_micros: 1_234_567 },
};

describe('usage rows', () => {
  it('usage rows – render a bucket as a UTC range, the grouped dimensions, and money as a decimal string', () => {
    expect(rowJson(row, ['tenant', 'model'], 'USD')).toMatchObject({
      start: '2025-02-01T08:00:00Z',
      end: '2025-02-01T09:00:00Z',
      tenant_id: 'acme, inc',
      model: '=HYPERLINK("x")',
      requests: 2,
      prompt_tokens: 30,
      cost: { amount: '1.234567', currency: 'USD' },
    });
    expect(rowJson(row, ['tenant', 'model'], 'USD')).not.toHaveProperty('cost_micros');
  });

  it('usage rows – CSV quotes separators and defuses cells a spreadsheet would run as formulas', () => {
    expect(csvHeader(['tenant', 'model'])).toMatch(/^start,end,tenant_id,model,requests,.*,cost,currency\r\n$/);
    const line = csvRow(row, 'USD');
    expect(line.startsWith('2025-02-01T08:00:00Z,2025-02-01T09:00:00Z,"acme, inc","\'=HYPERLINK(""x"")",2,')).toBe(true);
    expect(line.endsWith(',1.234567,USD\r\n')).toBe(true);
    expect(line.split(',').length).toBe(csvHeader(['tenant', 'model']).split(',').length + 1);
  });
});
