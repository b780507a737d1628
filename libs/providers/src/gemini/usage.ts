import type { ChatUsage } from '../openai/chat.wire';
import type { UsageMetadata } from './generate.wire';

const n = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

/**
 * Gemini's usage metadata as OpenAI's usage: prompt tokens include tool-use prompt tokens, completion
 * tokens include the model's thoughts, cached content is the cached part of the prompt.
 * https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function chatUsageOfGemini(u: UsageMetadata): ChatUsage {
  const prompt = n(u.promptTokenCount) + n(u.toolUsePromptTokenCount);
  const thoughts = n(u.thoughtsTokenCount);
  const completion = n(u.candidatesTokenCount) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: n(u.cachedContentTokenCount) },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}
