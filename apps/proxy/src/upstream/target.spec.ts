import { upstreamTarget } from './target';

describe('upstreamTarget', () => {
  it('upstream target – joins the base path and the operation path', () => {
    expect(upstreamTarget('http://127.0.0.1:8090/v1', '/chat/completions')).toEqual({
      origin: 'http://127.0.0.1:8090',
      path: '/v1/chat/completions',
    });
    expect(upstreamTarget('https://api.openai.com/v1/', '/embeddings')).toEqual({ origin: 'https://api.openai.com', path: '/v1/embeddings' });
  });

  it('upstream target – keeps a query of the base URL after the path', () => {
    expect(upstreamTarget('https://x.example/openai/deployments/d?api-version=2024-10-21', '/chat/completions')).toEqual({
      origin: 'https://x.example',
      path: '/openai/deployments/d/chat/completions?api-version=2024-10-21',
    });
  });
});
