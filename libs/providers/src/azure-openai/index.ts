import type { Deployment } from '@aigw/contracts';
import { openAICompatible } from '../openai-compatible/base';

/**
 * `api-version` when the provider config names none: the latest generally available data-plane version.
 * https://learn.microsoft.com/en-us/azure/ai-services/openai/api-version-deprecation
 */
export const AZURE_API_VERSION = '2024-10-21';

/** `/deployments/{deployment}/{operation}?api-version=…`; the deployment's `model` is the Azure deployment name. */
const deploymentPath = (operation: string) => (d: Deployment) =>
  `/deployments/${encodeURIComponent(d.model)}/${operation}?api-version=${encodeURIComponent(d.apiVersion ?? AZURE_API_VERSION)}`;

/**
 * Azure OpenAI: OpenAI's wire format at per-deployment URLs under `https://{resource}.openai.azure.com/openai`,
 * with the key in an `api-key` header. Its Responses API lives elsewhere and is not offered here.
 * https://learn.microsoft.com/en-us/azure/ai-services/openai/reference
 */
export const azureOpenAI = openAICompatible({
  kind: 'azure-openai',
  keyHeader: 'api-key',
  paths: { chat: deploymentPath('chat/completions'), embeddings: deploymentPath('embeddings'), responses: null },
});
