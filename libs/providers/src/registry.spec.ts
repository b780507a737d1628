import { ProviderKind } from '@aigw/contracts';
import { adapterFor } from './registry';

describe('provider registry', () => {
  it('registry – has an adapter for every provider kind, of that kind', () => {
    for (const kind of ProviderKind.options) expect(adapterFor(kind).kind).toBe(kind);
  });

  it('registry – the openai adapter sends the credential as a bearer token', () => {
    expect(adapterFor('openai').headers('sk-upstream')).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-upstream' });
    expect(adapterFor('openai').headers(undefined)).toEqual({ 'content-type': 'application/json' });
  });
});
