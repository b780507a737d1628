import { deploymentOf } from '../../test/fixtures';
import { adapterFor } from '../registry';
import { deepseek, groq, mistral, ollama } from './presets';

const messages = [{ role: 'user', content: 'hi' }];

describe('openai-compatible presets', () => {
  it('presets – renames max_completion_tokens for servers that know only max_tokens, keeping an explicit max_tokens', () => {
    const body = JSON.parse(deepseek.chat.prepare({ model: 'a', messages, max_completion_tokens: 64, store: true }, deploymentOf('deepseek')).body);
    expect(body).toEqual({ model: 'deepseek-model', messages, max_tokens: 64 });
    const both = JSON.parse(ollama.chat.prepare({ model: 'a', messages, max_completion_tokens: 64, max_tokens: 10 }, deploymentOf('ollama')).body);
    expect(both).toMatchObject({ max_tokens: 10 });
    expect(both).not.toHaveProperty('max_completion_tokens');
  });

  it('presets – renames seed for Mistral and drops the fields it rejects', () => {
    const body = JSON.parse(mistral.chat.prepare({ model: 'a', messages, seed: 4, user: 'u', metadata: { a: 'b' }, top_p: 0.5 }, deploymentOf('mistral')).body);
    expect(body).toEqual({ model: 'mistral-model', messages, random_seed: 4, top_p: 0.5 });
  });

  it('presets – applies the same differences to Messages clients translated for them', () => {
    const body = JSON.parse(deepseek.messages.prepare({ model: 'a', max_tokens: 32, messages }, deploymentOf('deepseek')).body);
    expect(body).toEqual({ model: 'deepseek-model', messages, max_tokens: 32 });
  });

  it('presets – refuses what the server cannot do, before any call', () => {
    expect(groq.chat.unsupported({ model: 'a', messages, n: 2 }, deploymentOf('groq'))?.message).toBe(
      "'n' (more than one choice) is not supported by groq (deployment 'groq-dep').",
    );
    expect(groq.chat.unsupported({ model: 'a', messages, logprobs: true }, deploymentOf('groq'))?.param).toBe('logprobs');
    expect(deepseek.chat.unsupported({ model: 'a', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }] }, deploymentOf('deepseek'))?.param).toBe(
      'messages[0].content[0]',
    );
    expect(groq.embeddings.unsupported({ model: 'a', input: 'x' }, deploymentOf('groq'))?.message).toMatch(/does not offer OpenAI's embeddings API/);
  });

  it('presets – send the credential as a bearer token, like OpenAI', () => {
    for (const kind of ['deepseek', 'mistral', 'groq', 'together', 'fireworks', 'openrouter', 'vllm', 'ollama'] as const) {
      expect(adapterFor(kind).headers('k')).toEqual({ 'content-type': 'application/json', authorization: 'Bearer k' });
    }
  });
});
