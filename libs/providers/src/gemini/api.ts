/**
 * Where the Gemini API's operations live and how it takes a credential. The model is part of the path;
 * a config may name it with or without the `models/` prefix.
 * https://ai.google.dev/api#authentication
 * https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export const geminiApi = {
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  /** `generateContent`, or `streamGenerateContent` as server-sent events. */
  generatePath: (model: string, stream: boolean) =>
    `/${modelResource(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
  embedPath: (model: string) => `/${modelResource(model)}:batchEmbedContents`,
  /** https://ai.google.dev/api/tokens#method:-models.counttokens */
  countTokensPath: (model: string) => `/${modelResource(model)}:countTokens`,
  headers(credential: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (credential) headers['x-goog-api-key'] = credential;
    return headers;
  },
} as const;

/** `models/<name>`, the model's resource name, with the name escaped for the path. */
export function modelResource(model: string): string {
  const name = model.startsWith('models/') ? model.slice('models/'.length) : model;
  return `models/${encodeURIComponent(name)}`;
}
