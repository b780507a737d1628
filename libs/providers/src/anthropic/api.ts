/**
 * Where Anthropic's Messages API lives and how it takes a credential.
 * https://docs.anthropic.com/en/api/overview#authentication
 * https://docs.anthropic.com/en/api/versioning
 */
export const anthropicApi = {
  defaultBaseUrl: 'https://api.anthropic.com/v1',
  messagesPath: '/messages',
  /** https://docs.anthropic.com/en/api/messages-count-tokens */
  countTokensPath: '/messages/count_tokens',
  /** The API version the translations are written against (the current and only stable one). */
  version: '2023-06-01',
  headers(credential: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': anthropicApi.version };
    if (credential) headers['x-api-key'] = credential;
    return headers;
  },
} as const;
