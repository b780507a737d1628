import { RoutingDocumentSchema } from '@aigw/config';
import { buildCatalogue } from './catalogue';

const base = {
  providers: {
    alpha: { kind: 'openai', baseUrl: 'https://alpha.example/v1', credentialEnv: 'ALPHA_API_KEY' },
    beta: { kind: 'openai', baseUrl: 'http://127.0.0.1:9999/v1' },
  },
  deployments: {
    a1: { provider: 'alpha', model: 'alpha-large' },
    a2: { provider: 'alpha', model: 'alpha-small' },
    b1: { provider: 'beta', model: 'beta-large' },
    b2: { provider: 'beta', model: 'beta-small' },
  },
};

const catalogueOf = (models: Record<string, Record<string, unknown>>) => buildCatalogue(RoutingDocumentSchema.parse({ ...base, models }));

const candidateIds = (models: Record<string, { deployments: unknown[] }>, alias: string) =>
  catalogueOf(models)
    .get(alias)
    ?.members.map((m) => m.deployment.id);

describe('buildCatalogue', () => {
  it('catalogue – orders candidates by priority, lowest first', () => {
    const ids = candidateIds({ chat: { deployments: [{ id: 'a1', priority: 3 }, { id: 'b1', priority: 1 }, { id: 'a2', priority: 2 }] } }, 'chat');
    expect(ids).toEqual(['b1', 'a2', 'a1']);
  });

  it('catalogue – keeps candidates of equal priority in list order', () => {
    const ids = candidateIds(
      { chat: { deployments: [{ id: 'b2', priority: 1 }, { id: 'a1', priority: 1 }, { id: 'b1', priority: 0 }, { id: 'a2', priority: 1 }] } },
      'chat',
    );
    expect(ids).toEqual(['b1', 'b2', 'a1', 'a2']);
  });

  it('catalogue – gives a plain id and an object without priority priority 0', () => {
    const ids = candidateIds(
      { chat: { deployments: [{ id: 'a1', priority: 1 }, 'b1', { id: 'a2' }, { id: 'b2', priority: -1 }] } },
      'chat',
    );
    expect(ids).toEqual(['b2', 'b1', 'a2', 'a1']);
  });

  it('catalogue – resolves each member to its provider, kind, base URL, upstream model and credential variable', () => {
    const entry = catalogueOf({ chat: { deployments: ['a1', 'b1'] } }).get('chat');
    expect(entry?.members.map((m) => m.deployment)).toEqual([
      { id: 'a1', provider: 'alpha', kind: 'openai', baseUrl: 'https://alpha.example/v1', model: 'alpha-large', credentialEnv: 'ALPHA_API_KEY' },
      { id: 'b1', provider: 'beta', kind: 'openai', baseUrl: 'http://127.0.0.1:9999/v1', model: 'beta-large' },
    ]);
    expect(entry?.members[1]?.deployment).not.toHaveProperty('credentialEnv');
  });

  it('catalogue – carries the provider’s api version and the deployment’s capabilities and first-byte deadline to the proxy', () => {
    const catalogue = buildCatalogue(
      RoutingDocumentSchema.parse({
        providers: { azure: { kind: 'azure-openai', baseUrl: 'https://contoso.openai.azure.com/openai', apiVersion: '2024-10-21' } },
        deployments: { gpt: { provider: 'azure', model: 'gpt-4o-prod', capabilities: { input: ['text'], tools: false }, firstByteMs: 4000 } },
        models: { chat: { deployments: ['gpt'] } },
      }),
    );
    expect(catalogue.get('chat')?.members[0]?.deployment).toMatchObject({
      kind: 'azure-openai',
      apiVersion: '2024-10-21',
      capabilities: { input: ['text'], tools: false },
      firstByteMs: 4000,
    });
  });

  it('catalogue – carries strategy, weights, fallbacks, preferences and each deployment\'s capacity, context window and tags', () => {
    const catalogue = buildCatalogue(
      RoutingDocumentSchema.parse({
        ...base,
        deployments: {
          ...base.deployments,
          a1: { provider: 'alpha', model: 'alpha-large', capacity: { rpm: 60, tpm: 10_000 }, contextWindow: 8192, tags: { region: 'eu' } },
        },
        models: {
          chat: { strategy: 'auto', deployments: [{ id: 'a1', weight: 5 }, 'b1'], fallbacks: ['small'], preferences: { coding: ['b1'] } },
          small: { deployments: ['a2'] },
        },
      }),
    );
    const chat = catalogue.get('chat')!;
    expect(chat).toMatchObject({ alias: 'chat', strategy: 'auto', fallbacks: ['small'], preferences: { coding: ['b1'] } });
    expect(chat.members.map(({ deployment, ...rest }) => ({ id: deployment.id, ...rest }))).toEqual([
      { id: 'a1', priority: 0, weight: 5, capacity: { rpm: 60, tpm: 10_000 }, contextWindow: 8192, tags: { region: 'eu' } },
      { id: 'b1', priority: 0, weight: 1, capacity: {}, tags: {} },
    ]);
    expect(catalogue.get('small')).toMatchObject({ strategy: 'priority', fallbacks: [], preferences: {} });
  });

  it('catalogue – holds every alias and nothing else', () => {
    const catalogue = catalogueOf({ chat: { deployments: ['a1'] }, embed: { deployments: ['b2'] } });
    expect([...catalogue.keys()]).toEqual(['chat', 'embed']);
    expect(catalogue.get('constructor')).toBeUndefined();
  });

  it('catalogue – refuses a deployment the config does not define', () => {
    expect(() =>
      buildCatalogue({ providers: {}, deployments: {}, models: { chat: { strategy: 'priority', deployments: ['ghost'], fallbacks: [] } } }),
    ).toThrow("model 'chat' names deployment 'ghost'");
  });
});
