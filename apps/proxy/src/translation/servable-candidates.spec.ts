import { InvalidRequestError, type Deployment } from '@aigw/contracts';
import { servableCandidates } from './servable-candidates';

const dep = (id: string, kind: Deployment['kind'], over: Partial<Deployment> = {}): Deployment => ({
  id,
  provider: kind,
  kind,
  baseUrl: 'https://upstream.example/v1',
  model: `${id}-model`,
  ...over,
});
const messages = [{ role: 'user', content: 'hi' }];

describe('servableCandidates', () => {
  it('servable – keeps every candidate of a request they can all serve, as the same list', () => {
    const candidates = [dep('a', 'anthropic'), dep('o', 'openai')];
    expect(servableCandidates('chat', { model: 'x', messages }, candidates)).toBe(candidates);
  });

  it('servable – leaves out the candidates that cannot express the request, keeping the order', () => {
    const candidates = [dep('a', 'anthropic'), dep('o', 'openai'), dep('g', 'gemini')];
    expect(servableCandidates('chat', { model: 'x', messages, n: 3 }, candidates).map((d) => d.id)).toEqual(['o', 'g']);
  });

  it('servable – refuses with a 400 naming the parameter and the first provider when none can', () => {
    let error: unknown;
    try {
      servableCandidates('chat', { model: 'x', messages, n: 3 }, [dep('a', 'anthropic'), dep('a2', 'anthropic')]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ message: "'n' (more than one choice) is not supported by anthropic (deployment 'a').", details: { param: 'n' } });
  });

  it('servable – refuses an operation the provider does not offer', () => {
    expect(() => servableCandidates('embeddings', { model: 'e', input: 'x' }, [dep('a', 'anthropic')])).toThrow(/no embeddings API/);
    expect(() => servableCandidates('responses', { model: 'r', input: 'x' }, [dep('g', 'gemini')])).toThrow(/OpenAI-format upstreams only/);
  });
});
