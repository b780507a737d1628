/**
 * Where OpenAI's operations live and how it takes a credential.
 * https://platform.openai.com/docs/api-reference/authentication
 */
export const openaiApi = {
  chatPath: '/chat/completions',
  embeddingsPath: '/embeddings',
  headers(credential: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (credential) headers.authorization = `Bearer ${credential}`;
    return headers;
  },
} as const;
