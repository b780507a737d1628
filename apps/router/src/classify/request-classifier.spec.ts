import { RoutingSection } from '@aigw/config';
import { createClassifier } from './request-classifier';

describe('request classifier', () => {
  const defaults = createClassifier(RoutingSection.parse({}).classes);

  it('classifier – recognises coding, reasoning and creative requests with the default rules', () => {
    expect(defaults.classify({ sample: 'Why does this TypeScript function not compile?' })).toBe('coding');
    expect(defaults.classify({ sample: '```js\nconst x = 1\n```' })).toBe('coding');
    expect(defaults.classify({ sample: 'Solve for x, step by step: 3x + 2 = 11' })).toBe('reasoning');
    expect(defaults.classify({ sample: 'Write a haiku about autumn' })).toBe('creative');
    expect(defaults.classify({ sample: 'What is the capital of France?' })).toBe('general');
    expect(defaults.classify({})).toBe('general');
  });

  it('classifier – matches keywords as whole words, so "apiary" is not about an API', () => {
    expect(defaults.classify({ sample: 'Tell me about an apiary' })).toBe('general');
  });

  it('classifier – takes the first matching rule, patterns and prompt size included, and a client hint over all', () => {
    const classifier = createClassifier(
      RoutingSection.parse({
        classes: [
          { class: 'reasoning', minPromptTokens: 5_000 },
          { class: 'creative', patterns: ['^once upon'] },
          { class: 'coding', keywords: ['code'] },
        ],
      }).classes,
    );
    expect(classifier.classify({ sample: 'Once upon a time, code...' })).toBe('creative');
    expect(classifier.classify({ sample: 'Review this code', promptTokens: 6_000 })).toBe('reasoning');
    expect(classifier.classify({ sample: 'Review this code', classHint: 'general' })).toBe('general');
  });

  it('classifier – a rule with an invalid pattern is refused by the config schema', () => {
    expect(RoutingSection.safeParse({ classes: [{ class: 'coding', patterns: ['(unclosed'] }] }).success).toBe(false);
  });
});
