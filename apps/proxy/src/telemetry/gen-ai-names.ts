import type { ProviderKind } from '@aigw/contracts';
import type { Operation } from '@aigw/providers';

/**
 * `gen_ai.system` / `gen_ai.provider.name` of each upstream wire format: the well-known values of
 * https://opentelemetry.io/docs/specs/semconv/registry/attributes/gen-ai/#gen-ai-provider-name, and the
 * kind itself for providers the conventions do not list.
 */
export const genAiSystem: Readonly<Record<ProviderKind, string>> = {
  openai: 'openai',
  'azure-openai': 'azure.ai.openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  deepseek: 'deepseek',
  mistral: 'mistral_ai',
  groq: 'groq',
  together: 'together',
  fireworks: 'fireworks',
  openrouter: 'openrouter',
  vllm: 'vllm',
  ollama: 'ollama',
};

/**
 * `gen_ai.operation.name` of each gateway operation
 * (https://opentelemetry.io/docs/specs/semconv/registry/attributes/gen-ai/#gen-ai-operation-name):
 * Anthropic's Messages API and OpenAI's Responses API are chats there.
 */
export const genAiOperation: Readonly<Record<Operation, string>> = {
  chat: 'chat',
  messages: 'chat',
  responses: 'chat',
  embeddings: 'embeddings',
};
