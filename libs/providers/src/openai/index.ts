import { openAICompatible } from '../openai-compatible/base';

/**
 * OpenAI itself, and any server that speaks its wire format exactly: requests are rewritten, responses
 * pass through. https://platform.openai.com/docs/api-reference
 */
export const openai = openAICompatible({ kind: 'openai', defaultBaseUrl: 'https://api.openai.com/v1', countsInputTokens: true });
