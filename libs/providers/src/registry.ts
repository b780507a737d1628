import type { ProviderKind } from '@aigw/contracts';
import { anthropic } from './anthropic';
import { azureOpenAI } from './azure-openai';
import { gemini } from './gemini';
import { openai } from './openai';
import { deepseek, fireworks, groq, mistral, ollama, openrouter, together, vllm } from './openai-compatible/presets';
import type { ProviderAdapter } from './types';

/** Every adapter by wire format; a `Record` over `ProviderKind`, so a new kind without an adapter fails to compile. */
export const adapters: Readonly<Record<ProviderKind, ProviderAdapter>> = Object.freeze({
  openai,
  'azure-openai': azureOpenAI,
  anthropic,
  gemini,
  deepseek,
  mistral,
  groq,
  together,
  fireworks,
  openrouter,
  vllm,
  ollama,
});

export function adapterFor(kind: ProviderKind): ProviderAdapter {
  return adapters[kind];
}
