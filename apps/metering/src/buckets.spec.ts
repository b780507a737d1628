import { bucketEnd, bucketOf, bucketsBetween, bucketStart, isBucketStart, isoSeconds } from './buckets';

describe('buckets', () => {
  it('buckets – labels an instant by its UTC hour, day and month', () => {
    const at = new Date('2024-02-29T23:59:59.999Z');
    expect([bucketOf(at, 'hour'), bucketOf(at, 'day'), bucketOf(at, 'month')]).toEqual(['2024-02-29T23', '2024-02-29', '2024-02']);
  });

  it('buckets – gives each label its start and exclusive end, months of any length included', () => {
    expect(isoSeconds(bucketStart('2025-02-01T08'))).toBe('2025-02-01T08:00:00Z');
    expect(isoSeconds(bucketEnd('2025-02-01T23'))).toBe('2025-02-02T00:00:00Z');
    expect(isoSeconds(bucketEnd('2024-02-29'))).toBe('2024-03-01T00:00:00Z');
    expect(isoSeconds(bucketEnd('2024-02'))).toBe('2024-03-01T00:00:00Z');
    expect(isoSeconds(bucketEnd('2024-12'))).toBe('2025-01-01T00:00:00Z');
  });

  it('buckets – enumerates a half-open range across a day boundary', () => {
    const hours = bucketsBetween(new Date('2025-01-31T22:00:00Z'), new Date('2025-02-01T01:00:00Z'), 'hour');
    expect(hours).toEqual(['2025-01-31T22', '2025-01-31T23', '2025-02-01T00']);
    expect(bucketsBetween(new Date('2024-02-28T00:00:00Z'), new Date('2024-03-01T00:00:00Z'), 'day')).toEqual(['2024-02-28', '2024-02-29']);
  });

  it('buckets – tells bucket starts from other instants', () => {
    expect(isBucketStart(new Date('2025-02-01T08:00:00Z'), 'hour')).toBe(true);
    expect(isBucketStart(new Date('2025-02-01T08:00:00Z'), 'day')).toBe(false);
    expect(isBucketStart(new Date('2025-02-01T08:00:01Z'), 'hour')).toBe(false);
  });
});
