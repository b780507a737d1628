import { UpstreamError } from '@aigw/contracts';
import { fixture } from '../../test/fixtures';
import { parseMessage, toChatCompletion } from './chat.response';

describe('anthropic chat response (Messages → OpenAI chat)', () => {
  it('anthropic response – turns a text message into a chat.completion with usage', () => {
    const completion = toChatCompletion(parseMessage(fixture('anthropic', 'message-text.json')));
    expect(completion).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'claude-3-7-sonnet-20250219',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null }, logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it('anthropic response – turns tool_use blocks into tool calls and counts cache reads and writes as prompt tokens', () => {
    const completion = toChatCompletion(parseMessage(fixture('anthropic', 'message-tool-use.json')));
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: expect.stringContaining('get_weather'),
        refusal: null,
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    expect(completion.usage).toEqual({ prompt_tokens: 1484, completion_tokens: 59, total_tokens: 1543, prompt_tokens_details: { cached_tokens: 1000 } });
  });

  it.each([
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('anthropic response – maps stop reason %s to finish reason %s', (stop, finish) => {
    const message = { ...JSON.parse(fixture('anthropic', 'message-text.json').toString()), stop_reason: stop };
    expect(toChatCompletion(parseMessage(JSON.stringify(message))).choices[0]!.finish_reason).toBe(finish);
  });

  it('anthropic response – leaves thinking blocks out of the content', () => {
    const message = {
      ...JSON.parse(fixture('anthropic', 'message-text.json').toString()),
      content: [
        { type: 'thinking', thinking: 'Let me think', signature: 'sig' },
        { type: 'text', text: 'Answer' },
      ],
    };
    expect(toChatCompletion(parseMessage(JSON.stringify(message))).choices[0]!.message.content).toBe('Answer');
  });

  it.each([['not json'], ['[1,2]'], ['{"type":"message"}'], ['{"type":"error","error":{}}']])(
    'anthropic response – refuses a body that is not a message (%s) as an upstream error',
    (body) => {
      expect(() => parseMessage(body)).toThrow(UpstreamError);
    },
  );
});
