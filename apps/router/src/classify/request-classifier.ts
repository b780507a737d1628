import type { ClassRule } from '@aigw/config';
import type { RequestClass, RouteFeatures } from '@aigw/contracts';

/** Classification rules compiled once per configuration. */
export interface Classifier {
  classify(features: RouteFeatures): RequestClass;
}

interface CompiledRule {
  class: RequestClass;
  /** Keywords and patterns as one expression; undefined when the rule has neither. */
  text: RegExp | undefined;
  minPromptTokens: number | undefined;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A keyword of ASCII letters, digits and spaces matches whole words; any other is matched as written. */
function keywordSource(keyword: string): string {
  const literal = escape(keyword.trim()).replace(/\s+/g, '\\s+');
  return /^[A-Za-z0-9\s]+$/.test(keyword) ? `\\b${literal}\\b` : literal;
}

/**
 * Strategy `auto`'s classifier: the rules are tried in order and the first that matches the request's text
 * sample (or its prompt size) names its class; `general` when none matches. A class hint from the client wins.
 */
export function createClassifier(rules: readonly ClassRule[]): Classifier {
  const compiled: CompiledRule[] = rules.map((rule) => {
    const sources = [...rule.keywords.map(keywordSource), ...rule.patterns.map((p) => `(?:${p})`)];
    return {
      class: rule.class,
      text: sources.length > 0 ? new RegExp(sources.join('|'), 'i') : undefined,
      minPromptTokens: rule.minPromptTokens,
    };
  });
  return {
    classify(features) {
      if (features.classHint) return features.classHint;
      const sample = features.sample ?? '';
      for (const rule of compiled) {
        if (rule.text?.test(sample)) return rule.class;
        if (rule.minPromptTokens !== undefined && (features.promptTokens ?? 0) >= rule.minPromptTokens) return rule.class;
      }
      return 'general';
    },
  };
}
