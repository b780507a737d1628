import { InvalidRequestError } from '@aigw/contracts';
import { deploymentOf } from '../../test/fixtures';
import { ChatRequest } from '../openai/chat.wire';
import { anthropic } from '.';
import { DEFAULT_MAX_TOKENS, toMessagesRequest } from './chat.request';

const deployment = deploymentOf('anthropic', { model: 'claude-sonnet-4-20250514' });
const chat = (body: Record<string, unknown>) => ChatRequest.parse({ model: 'alias', ...body });
const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

describe('anthropic chat request (OpenAI chat → Messages)', () => {
  it('anthropic request – lifts system and developer messages, defaults max_tokens, maps sampling and stop', () => {
    const out = toMessagesRequest(
      chat({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello' },
        ],
        temperature: 0.3,
        top_p: 0.9,
        stop: 'END',
        user: 'user-42',
        seed: 7,
        stream: true,
        unknown_field: 'dropped',
      }),
      deployment.model,
    );
    expect(out).toEqual({
      model: 'claude-sonnet-4-20250514',
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      max_tokens: DEFAULT_MAX_TOKENS,
      temperature: 0.3,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'user-42' },
    });
  });

  it('anthropic request – prefers max_completion_tokens over max_tokens', () => {
    const out = toMessagesRequest(chat({ messages: [{ role: 'user', content: 'x' }], max_tokens: 50, max_completion_tokens: 20 }), 'm');
    expect(out.max_tokens).toBe(20);
  });

  it('anthropic request – merges consecutive roles and puts tool results first in their user turn', () => {
    const out = toMessagesRequest(
      chat({
        messages: [
          { role: 'user', content: 'Weather in SF' },
          { role: 'user', content: 'and in Paris?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '15 C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '20 C' }] },
          { role: 'user', content: 'Thanks' },
        ],
        tools: [weather],
      }),
      'm',
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in SF' },
          { type: 'text', text: 'and in Paris?' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'SF' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { location: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '15 C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '20 C' },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
    expect(out.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Get the current weather in a given location',
        input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
      },
    ]);
  });

  it('anthropic request – sends images as base64 or url blocks, and PDFs as documents', () => {
    const out = toMessagesRequest(
      chat({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
              { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
            ],
          },
        ],
      }),
      'm',
    );
    expect(out.messages[0]!.content).toEqual([
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
  ])('anthropic request – maps tool_choice %j with parallel_tool_calls %j', (choice, parallel, expected) => {
    const out = toMessagesRequest(
      chat({ messages: [{ role: 'user', content: 'x' }], tools: [weather], tool_choice: choice, parallel_tool_calls: parallel }),
      'm',
    );
    expect(out.tool_choice).toEqual(expected);
  });

  it.each([
    [{ messages: [{ role: 'system', content: 'only rules' }] }, 'messages'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAAA' } }] }] }, 'messages[0].content[0].image_url.url'],
    [
      { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] },
      'messages[0].tool_calls[0].function.arguments',
    ],
    [{ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'custom', custom: { name: 'grammar' } }] }, 'tools[0].type'],
  ])('anthropic request – refuses what it cannot translate with a 400 naming the parameter (%#)', (body, param) => {
    let error: unknown;
    try {
      toMessagesRequest(chat(body), 'm');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).details.param).toBe(param);
    expect((error as InvalidRequestError).message).toContain('anthropic');
  });
});

describe('anthropic chat operation limits', () => {
  const unsupported = (body: Record<string, unknown>, over = {}) =>
    anthropic.chat.unsupported({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body }, deploymentOf('anthropic', over));

  it.each([
    [{ n: 3 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }, 'response_format'],
    [{ temperature: 1.5 }, 'temperature'],
    [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }, 'messages[0].content[0]'],
  ])('anthropic limits – refuses %j before any call, naming the parameter and the provider', (body, param) => {
    const problem = unsupported(body);
    expect(problem?.param).toBe(param);
    expect(problem?.message).toContain(`'${param}'`);
    expect(problem?.message).toContain("anthropic (deployment 'anthropic-dep')");
  });

  it('anthropic limits – accepts n: 1, a text response_format and a temperature of 1', () => {
    expect(unsupported({ n: 1, response_format: { type: 'text' }, temperature: 1 })).toBeUndefined();
  });

  it('anthropic limits – refuses an image for a deployment declared text-only, and tools for one without tool use', () => {
    const image = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] };
    expect(unsupported(image, { capabilities: { input: ['text'] } })).toEqual({
      param: 'messages[0].content[0]',
      message: "'messages[0].content[0]' is image input, which anthropic (deployment 'anthropic-dep') does not accept.",
    });
    expect(unsupported({ tools: [weather] }, { capabilities: { tools: false } })?.param).toBe('tools');
  });

  it('anthropic limits – checks a Messages body the same way when it passes through', () => {
    const body = { model: 'a', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }] };
    expect(anthropic.messages.unsupported(body, deploymentOf('anthropic', { capabilities: { input: ['text'] } }))?.param).toBe('messages[0].content[0]');
    expect(anthropic.messages.unsupported(body, deploymentOf('anthropic'))).toBeUndefined();
  });

  it('anthropic limits – has no embeddings and no Responses API', () => {
    expect(anthropic.embeddings.unsupported({ model: 'e', input: 'x' }, deploymentOf('anthropic'))?.message).toMatch(/no embeddings API/);
    expect(anthropic.responses.unsupported({ model: 'e', input: 'x' }, deploymentOf('anthropic'))?.message).toMatch(/OpenAI-format upstreams only/);
  });
});
