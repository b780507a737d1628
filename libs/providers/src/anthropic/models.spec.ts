import { GatewayError } from '@aigw/contracts';
import { anthropicModel, anthropicModelPage } from './models';

const created = Date.UTC(2026, 10, 24, 12, 30) / 1000;
const models = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, created, ownedBy: 'mock' }));
const page = (query: string) => anthropicModelPage(models, new URLSearchParams(query));
const ids = (p: ReturnType<typeof page>) => p.data.map((m) => m.id);

describe('Anthropic models API', () => {
  it('models – an alias as Anthropic’s model object, created_at an RFC 3339 time', () => {
    expect(anthropicModel(models[0]!)).toEqual({ type: 'model', id: 'a', display_name: 'a', created_at: '2026-11-24T12:30:00Z' });
  });

  it('models – the whole list in one page when it fits the default 20, bounded by its first and last ids', () => {
    expect(page('')).toMatchObject({ has_more: false, first_id: 'a', last_id: 'e' });
    expect(ids(page(''))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('models – limit pages forward through after_id and back through before_id', () => {
    expect(page('limit=2')).toMatchObject({ has_more: true, first_id: 'a', last_id: 'b' });
    expect(page('limit=2&after_id=b')).toMatchObject({ has_more: true, first_id: 'c', last_id: 'd' });
    expect(page('limit=2&after_id=d')).toMatchObject({ has_more: false, first_id: 'e', last_id: 'e' });
    expect(page('limit=2&before_id=e')).toMatchObject({ has_more: true, first_id: 'c', last_id: 'd' });
    expect(page('limit=2&before_id=c')).toMatchObject({ has_more: false, first_id: 'a', last_id: 'b' });
  });

  it('models – a cursor that names no model gives an empty page', () => {
    expect(page('after_id=zzz')).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
    expect(page('before_id=zzz')).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
  });

  it.each(['0', '1001', '2.5', 'ten', ''])('models – limit=%s is refused as an invalid request naming the limit', (limit) => {
    let thrown: unknown;
    try {
      page(`limit=${limit}`);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect(thrown).toMatchObject({ code: 'invalid_request', details: { param: 'limit' }, message: expect.stringMatching(/from 1 to 1000/) });
  });
});
