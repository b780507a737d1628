import { ROUTE_SAMPLE_MAX_CHARS } from '@aigw/contracts';
import { routeFeatures } from './route-features';

describe('route features', () => {
  it('route features – sizes the prompt, reads the limits and samples only the start of the last user message', () => {
    const long = 'x'.repeat(2_000);
    const features = routeFeatures(
      {
        stream: true,
        max_completion_tokens: 64,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: 'answer' },
          { role: 'user', content: [{ type: 'text', text: long }, { type: 'image_url', image_url: { url: 'data:...' } }] },
        ],
      },
      {},
    );
    expect(features).toEqual({ stream: true, maxTokens: 64, promptTokens: Math.ceil((9 + 14 + 6 + 2_000) / 4), sample: long.slice(0, ROUTE_SAMPLE_MAX_CHARS) });
  });

  it('route features – sizes embeddings input, strings and token ids alike', () => {
    expect(routeFeatures({ input: ['abcd', [1, 2, 3]] }, {}).promptTokens).toBe(4);
    expect(routeFeatures({ input: 'abcdefgh' }, {})).toMatchObject({ stream: false, promptTokens: 2 });
  });

  it('route features – takes a class hint and required tags from headers, refusing malformed ones by name', () => {
    expect(routeFeatures({ messages: [] }, { 'x-aigw-route-class': 'coding', 'x-aigw-route-tags': 'region=eu, tier = gold' })).toMatchObject({
      classHint: 'coding',
      tags: { region: 'eu', tier: 'gold' },
    });
    expect(() => routeFeatures({ messages: [] }, { 'x-aigw-route-class': 'poetry' })).toThrow(/x-aigw-route-class/);
    expect(() => routeFeatures({ messages: [] }, { 'x-aigw-route-tags': 'region' })).toThrow(/key=value/);
  });
});
