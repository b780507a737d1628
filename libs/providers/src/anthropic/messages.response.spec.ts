import { fixture } from '../../test/fixtures';
import { parseChatCompletion } from '../openai/chat.response';
import { toMessage } from './messages.response';

describe('anthropic messages response (OpenAI chat completion → Message)', () => {
  it('messages response – turns a documented chat completion into a message, cached tokens as cache reads', () => {
    expect(toMessage(parseChatCompletion(fixture('openai', 'chat-completion.json')))).toEqual({
      id: 'msg_chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-2024-08-06',
      content: [{ type: 'text', text: 'The image shows a wooden boardwalk through a green meadow.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 93, output_tokens: 46, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024 },
    });
  });

  it('messages response – turns tool calls into tool_use blocks with parsed input', () => {
    const message = toMessage({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
              { id: 'call_b', type: 'function', function: { name: 'noop', arguments: 'not json' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'call_b', name: 'noop', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toEqual({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });
});
