import { ProviderKind } from '@aigw/contracts';
import { adapterFor } from './registry';

describe('provider registry', () => {
  it('registry – has an adapter for every provider kind, of that kind', () => {
    for (const kind of ProviderKind.options) expect(adapterFor(kind).kind).toBe(kind);
  });

  it('registry – each adapter sends the credential the way its provider expects', () => {
    expect(adapterFor('anthropic').headers('sk-ant')).toEqual({ 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant' });
    expect(adapterFor('gemini').headers('AIza')).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIza' });
    expect(adapterFor('azure-openai').headers('az')).toEqual({ 'content-type': 'application/json', 'api-key': 'az' });
  });

  it('registry – names where each provider’s API normally lives, except Azure’s per-resource hosts', () => {
    for (const kind of ProviderKind.options) {
      const url = adapterFor(kind).defaultBaseUrl;
      if (kind === 'azure-openai') expect(url).toBeUndefined();
      else expect(new URL(url!).pathname).toMatch(/\/v1(beta)?$/);
    }
    expect(adapterFor('gemini').defaultBaseUrl).toBe('https://generativelanguage.googleapis.com/v1beta');
  });

  it('registry – the openai adapter sends the credential as a bearer token', () => {
    expect(adapterFor('openai').headers('sk-upstream')).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-upstream' });
    expect(adapterFor('openai').headers(undefined)).toEqual({ 'content-type': 'application/json' });
  });
});
