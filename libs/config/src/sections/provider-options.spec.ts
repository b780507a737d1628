import { DeploymentSection, ProviderSection } from './upstreams';

const problems = (schema: typeof ProviderSection | typeof DeploymentSection, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('provider options', () => {
  it('provider options – take every provider kind, and an api version for Azure OpenAI', () => {
    const providers = ProviderSection.parse({
      azure: { kind: 'azure-openai', baseUrl: 'https://contoso.openai.azure.com/openai', apiVersion: '2024-10-21', credentialEnv: 'AZURE_OPENAI_API_KEY' },
      claude: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', credentialEnv: 'ANTHROPIC_API_KEY' },
      google: { kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta', credentialEnv: 'GEMINI_API_KEY' },
      local: { kind: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
    });
    expect(providers.azure?.apiVersion).toBe('2024-10-21');
    expect(problems(ProviderSection, { x: { kind: 'azure-openai', baseUrl: 'https://x.example', apiVersion: 'latest' } })).toEqual([
      'x.apiVersion: use a version such as 2024-10-21',
    ]);
    expect(problems(ProviderSection, { x: { kind: 'bedrock', baseUrl: 'https://x.example' } })).toHaveLength(1);
  });

  it('provider options – declare what a deployment’s model takes, and refuse unknown capability fields', () => {
    const deployments = DeploymentSection.parse({ small: { provider: 'local', model: 'llama3', capabilities: { input: ['text'], tools: false } } });
    expect(deployments.small?.capabilities).toEqual({ input: ['text'], tools: false });
    expect(problems(DeploymentSection, { d: { provider: 'p', model: 'm', capabilities: { inputs: ['text'] } } })).toEqual([
      expect.stringMatching(/^d\.capabilities: Unrecognized key/),
    ]);
    expect(problems(DeploymentSection, { d: { provider: 'p', model: 'm', capabilities: { input: ['video'] } } })).toHaveLength(1);
  });
});
