import { deploymentOf, fixture, sseEvents } from '../../test/fixtures';
import { azureOpenAI, AZURE_API_VERSION } from '.';

describe('azure openai adapter', () => {
  const deployment = deploymentOf('azure-openai', { baseUrl: 'https://contoso.openai.azure.com/openai', model: 'gpt-4o-prod' });

  it('azure – calls per-deployment URLs with the api-version, the default one unless the provider sets one', () => {
    const body = { model: 'alias', messages: [{ role: 'user', content: 'hi' }] };
    expect(azureOpenAI.chat.prepare(body, deployment).path).toBe(`/deployments/gpt-4o-prod/chat/completions?api-version=${AZURE_API_VERSION}`);
    expect(azureOpenAI.embeddings.prepare({ model: 'e', input: 'x' }, { ...deployment, apiVersion: '2025-04-01-preview' }).path).toBe(
      '/deployments/gpt-4o-prod/embeddings?api-version=2025-04-01-preview',
    );
    expect(azureOpenAI.messages.prepare({ model: 'alias', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, deployment).path).toBe(
      `/deployments/gpt-4o-prod/chat/completions?api-version=${AZURE_API_VERSION}`,
    );
  });

  it('azure – sends the key in the api-key header', () => {
    expect(azureOpenAI.headers('azure-key')).toEqual({ 'content-type': 'application/json', 'api-key': 'azure-key' });
  });

  it('azure – passes its answers through and reads their usage, content filter results and all', () => {
    expect(azureOpenAI.chat.prepare({ model: 'a', messages: [] }, deployment).translation).toBeUndefined();
    expect(azureOpenAI.chat.readUsage(fixture('azure-openai', 'chat-completion.json'))).toEqual({ promptTokens: 17, completionTokens: 10, cachedTokens: 0 });
    const usage = sseEvents(fixture('azure-openai', 'chat-stream.sse')).map((e) => azureOpenAI.chat.readEventUsage(e)).filter(Boolean);
    expect(usage).toEqual([{ usage: { promptTokens: 17, completionTokens: 1, cachedTokens: 0 }, usageOnly: true }]);
  });

  it('azure – translates its stream for Messages clients, skipping the prompt filter chunk', () => {
    const prepared = azureOpenAI.messages.prepare({ model: 'alias', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] }, deployment);
    expect(JSON.parse(prepared.body)).toMatchObject({ model: 'gpt-4o-prod', stream: true, stream_options: { include_usage: true }, max_completion_tokens: 5 });
    const translator = prepared.translation!.stream();
    let sse = '';
    for (const event of sseEvents(fixture('azure-openai', 'chat-stream.sse'))) sse += translator.push(event);
    sse += translator.end();
    expect(sse).toContain('"text_delta","text":"Yes"');
    expect(translator.usage).toEqual({ promptTokens: 17, completionTokens: 1, cachedTokens: 0 });
  });

  it('azure – does not offer the Responses API', () => {
    expect(azureOpenAI.responses.unsupported({ model: 'a', input: 'x' }, deployment)?.message).toMatch(/azure-openai .* does not offer OpenAI's responses API/);
  });
});
