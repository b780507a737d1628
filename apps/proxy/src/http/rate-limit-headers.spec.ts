import { formatResetDuration } from './rate-limit-headers';

describe('formatResetDuration', () => {
  it.each([
    [0, '0s'],
    [120, '120ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [17_250, '17.25s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [90_500, '1m30.5s'],
    [3_723_000, '1h2m3s'],
    [3_600_000, '1h0m0s'],
  ])('rate-limit headers – writes %i ms as %s, like OpenAI', (ms, text) => {
    expect(formatResetDuration(ms)).toBe(text);
  });
});
