import { GatewayConfigSchema } from '@aigw/config';
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

const catalogueOf = (models: Record<string, { deployments: unknown[] }>) =>
  buildCatalogue(GatewayConfigSchema.parse({ ...base, models }));

const candidateIds = (models: Record<string, { deployments: unknown[] }>, alias: string) =>
  catalogueOf(models)
    .get(alias)
    ?.candidates.map((c) => c.id);

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

  it('catalogue – resolves each candidate to its provider, kind, base URL, upstream model and credential variable', () => {
    const entry = catalogueOf({ chat: { deployments: ['a1', 'b1'] } }).get('chat');
    expect(entry).toEqual({
      alias: 'chat',
      candidates: [
        { id: 'a1', provider: 'alpha', kind: 'openai', baseUrl: 'https://alpha.example/v1', model: 'alpha-large', credentialEnv: 'ALPHA_API_KEY' },
        { id: 'b1', provider: 'beta', kind: 'openai', baseUrl: 'http://127.0.0.1:9999/v1', model: 'beta-large' },
      ],
    });
    expect(entry?.candidates[1]).not.toHaveProperty('credentialEnv');
  });

  it('catalogue – holds every alias and nothing else', () => {
    const catalogue = catalogueOf({ chat: { deployments: ['a1'] }, embed: { deployments: ['b2'] } });
    expect([...catalogue.keys()]).toEqual(['chat', 'embed']);
    expect(catalogue.get('constructor')).toBeUndefined();
  });

  it('catalogue – refuses a deployment the config does not define', () => {
    expect(() =>
      buildCatalogue({ providers: {}, deployments: {}, models: { chat: { deployments: ['ghost'] } } }),
    ).toThrow("model 'chat' names deployment 'ghost'");
  });
});
