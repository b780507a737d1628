import { GatewayError } from '@aigw/contracts';
import type { UsageQuery } from '../usage-reader';
import { decodeCursor, encodeCursor } from './cursor';

const query: UsageQuery = {
  granularity: 'day',
  from: new Date('2025-01-01T00:00:00Z'),
  to: new Date('2025-02-01T00:00:00Z'),
  groupBy: ['tenant', 'model'],
  filter: { provider: 'openai' },
};

function paramOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err.details.param;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

describe('pagination cursor', () => {
  it('cursor – gives back the position it was made from', () => {
    const position = { bucket: '2025-01-07', group: ['acme', 'gpt:4o'] };
    expect(decodeCursor(query, encodeCursor(query, position))).toEqual(position);
  });

  it('cursor – is refused, naming the parameter, for another query or when tampered with', () => {
    const cursor = encodeCursor(query, { bucket: '2025-01-07', group: ['acme', 'gpt-4o'] });
    expect(paramOf(() => decodeCursor({ ...query, filter: { provider: 'azure' } }, cursor))).toBe('cursor');
    expect(paramOf(() => decodeCursor({ ...query, groupBy: ['tenant'] }, cursor))).toBe('cursor');
    expect(paramOf(() => decodeCursor(query, 'not-a-cursor'))).toBe('cursor');
    expect(paramOf(() => decodeCursor(query, Buffer.from('{"q":1}').toString('base64url')))).toBe('cursor');
  });
});
