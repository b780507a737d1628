import { when } from '../translate/limits';
import { openAICompatible } from './base';

/**
 * OpenAI-compatible services, each declared by its differences from OpenAI only (base URL, what it lacks,
 * what it names differently), as their API references document them. `defaultBaseUrl` is what the
 * provider's `baseUrl` in the gateway config should normally be.
 */

/** Servers that know only the older `max_tokens`. */
const maxTokensOnly = { max_completion_tokens: 'max_tokens' } as const;
const oneChoice = { n: { refuseWhen: when.above(1), what: 'more than one choice' } } as const;
const noLogprobs = {
  logprobs: { refuseWhen: (v: unknown) => v === true, what: 'log probabilities' },
  top_logprobs: { refuseWhen: when.set, what: 'log probabilities' },
} as const;
/** OpenAI-only bookkeeping fields that other servers reject and that never change the answer. */
const openaiBookkeeping = ['store', 'metadata', 'service_tier', 'prompt_cache_key', 'safety_identifier'] as const;

/** https://api-docs.deepseek.com/api/create-chat-completion */
export const deepseek = openAICompatible({
  kind: 'deepseek',
  defaultBaseUrl: 'https://api.deepseek.com/v1',
  paths: { embeddings: null, responses: null },
  refusals: { ...oneChoice, response_format: { refuseWhen: when.typeOtherThan('text', 'json_object'), what: 'JSON schema output' } },
  rename: maxTokensOnly,
  drop: openaiBookkeeping,
  inputs: ['text'],
});

/** https://docs.mistral.ai/api/#tag/chat */
export const mistral = openAICompatible({
  kind: 'mistral',
  defaultBaseUrl: 'https://api.mistral.ai/v1',
  paths: { responses: null },
  refusals: { ...noLogprobs, logit_bias: { refuseWhen: when.nonEmpty, what: 'token biases' } },
  rename: { ...maxTokensOnly, seed: 'random_seed' },
  drop: [...openaiBookkeeping, 'user'],
});

/** https://console.groq.com/docs/openai#unsupported-features */
export const groq = openAICompatible({
  kind: 'groq',
  defaultBaseUrl: 'https://api.groq.com/openai/v1',
  paths: { embeddings: null, responses: null },
  refusals: { ...oneChoice, ...noLogprobs, logit_bias: { refuseWhen: when.nonEmpty, what: 'token biases' } },
  drop: openaiBookkeeping,
});

/** https://docs.together.ai/reference/chat-completions-1 */
export const together = openAICompatible({
  kind: 'together',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  paths: { responses: null },
  rename: maxTokensOnly,
  drop: openaiBookkeeping,
});

/** https://docs.fireworks.ai/api-reference/post-chatcompletions */
export const fireworks = openAICompatible({
  kind: 'fireworks',
  defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
  paths: { responses: null },
  rename: maxTokensOnly,
  drop: openaiBookkeeping,
});

/** https://openrouter.ai/docs/api-reference/overview */
export const openrouter = openAICompatible({
  kind: 'openrouter',
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  drop: ['store', 'service_tier', 'prompt_cache_key', 'safety_identifier'],
});

/** Self-hosted; https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html */
export const vllm = openAICompatible({
  kind: 'vllm',
  defaultBaseUrl: 'http://127.0.0.1:8000/v1',
  drop: openaiBookkeeping,
});

/** Self-hosted; https://github.com/ollama/ollama/blob/main/docs/openai.md */
export const ollama = openAICompatible({
  kind: 'ollama',
  defaultBaseUrl: 'http://127.0.0.1:11434/v1',
  paths: { responses: null },
  refusals: { ...oneChoice, ...noLogprobs, logit_bias: { refuseWhen: when.nonEmpty, what: 'token biases' } },
  rename: maxTokensOnly,
  drop: [...openaiBookkeeping, 'user'],
});
