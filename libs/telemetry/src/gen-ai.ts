/**
 * Attribute names of the OpenTelemetry semantic conventions for generative AI
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/), as stable strings: the conventions
 * package's incubating entry is large, and these names are all the gateway needs of it.
 */
export const GenAiAttr = {
  /** `chat`, `embeddings`, ... */
  operationName: 'gen_ai.operation.name',
  /** The provider as the conventions name it (`openai`, `anthropic`, `gcp.gemini`, ...); kept beside its newer name below. */
  system: 'gen_ai.system',
  providerName: 'gen_ai.provider.name',
  /** The model asked for: the client's alias at the gateway, the deployment's model on an upstream attempt. */
  requestModel: 'gen_ai.request.model',
  /** The model that answered. */
  responseModel: 'gen_ai.response.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
} as const;
