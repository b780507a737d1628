import type { ProviderKind } from '@aigw/contracts';
import { openai } from './openai';
import type { ProviderAdapter } from './types';

/** Every adapter by wire format; a `Record` over `ProviderKind`, so a new kind without an adapter fails to compile. */
export const adapters: Readonly<Record<ProviderKind, ProviderAdapter>> = Object.freeze({ openai });

export function adapterFor(kind: ProviderKind): ProviderAdapter {
  return adapters[kind];
}
