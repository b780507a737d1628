import { RequestRejected } from '../dialect';
import { parseChatRequest } from './chat-request';

/** The status and OpenAI error object a body is refused with. */
function refusal(body: unknown) {
  try {
    parseChatRequest(body);
  } catch (err) {
    if (err instanceof RequestRejected) return { status: err.reply.status, ...JSON.parse(err.reply.body).error };
    throw err;
  }
  throw new Error('the body was accepted');
}

const user = (content: unknown) => ({ role: 'user', content });

describe('chat request', () => {
  it('reads the fields the reply depends on, with OpenAI defaults', () => {
    expect(parseChatRequest({ model: 'm', messages: [user('hi')] })).toEqual({
      model: 'm',
      messages: [{ role: 'user', text: 'hi' }],
      stream: false,
      includeUsage: false,
      n: 1,
      maxTokens: undefined,
      tools: [],
      toolChoice: 'auto',
    });
  });

  it('takes the text parts of array content and prefers max_completion_tokens over max_tokens', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'here' }] },
        { role: 'assistant', content: null, tool_calls: [] },
      ],
      max_tokens: 10,
      max_completion_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
      n: 2,
    });
    expect(req.messages).toEqual([
      { role: 'user', text: 'look\nhere' },
      { role: 'assistant', text: '' },
    ]);
    expect(req).toMatchObject({ maxTokens: 3, stream: true, includeUsage: true, n: 2 });
  });

  it('reads function tools and a named tool_choice', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [user('hi')],
      tools: [
        { type: 'function', function: { name: 'a', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'b' } },
      ],
      tool_choice: { type: 'function', function: { name: 'b' } },
    });
    expect(req.tools).toEqual([
      { name: 'a', parameters: { type: 'object' } },
      { name: 'b', parameters: undefined },
    ]);
    expect(req.toolChoice).toEqual({ name: 'b' });
  });

  it.each([
    ['a body that is not an object', [1], null, 'invalid_type'],
    ['no model', { messages: [user('x')] }, null, null],
    ['a model that is not a string', { model: 4, messages: [user('x')] }, 'model', 'invalid_type'],
    ['no messages', { model: 'm' }, 'messages', 'missing_required_parameter'],
    ['messages that are not an array', { model: 'm', messages: 'hi' }, 'messages', 'invalid_type'],
    ['empty messages', { model: 'm', messages: [] }, 'messages', 'empty_array'],
    ['an unknown role', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', 'invalid_value'],
    ['a user message without content', { model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content', 'missing_required_parameter'],
    ['a tool message without tool_call_id', { model: 'm', messages: [{ role: 'tool', content: 'r' }] }, 'messages[0].tool_call_id', 'missing_required_parameter'],
    ['n below 1', { model: 'm', messages: [user('x')], n: 0 }, 'n', 'integer_below_min_value'],
    ['a non-boolean stream', { model: 'm', messages: [user('x')], stream: 'yes' }, 'stream', 'invalid_type'],
    ['stream_options without stream', { model: 'm', messages: [user('x')], stream_options: { include_usage: true } }, 'stream_options', 'invalid_value'],
    ['max_tokens of 0', { model: 'm', messages: [user('x')], max_tokens: 0 }, 'max_tokens', 'integer_below_min_value'],
    ['a tool without a name', { model: 'm', messages: [user('x')], tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', 'missing_required_parameter'],
    ['tool_choice without tools', { model: 'm', messages: [user('x')], tool_choice: 'auto' }, 'tool_choice', 'invalid_value'],
    ['an unknown tool_choice', { model: 'm', messages: [user('x')], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'sometimes' }, 'tool_choice', 'invalid_value'],
    ['a temperature above 2', { model: 'm', messages: [user('x')], temperature: 2.5 }, 'temperature', 'decimal_above_max_value'],
    ['a negative top_p', { model: 'm', messages: [user('x')], top_p: -0.1 }, 'top_p', 'decimal_below_min_value'],
    ['a presence_penalty below -2', { model: 'm', messages: [user('x')], presence_penalty: -3 }, 'presence_penalty', 'decimal_below_min_value'],
    ['a frequency_penalty that is not a number', { model: 'm', messages: [user('x')], frequency_penalty: '1' }, 'frequency_penalty', 'invalid_type'],
  ])('refuses %s with 400 naming the parameter', (_case, body, param, code) => {
    expect(refusal(body)).toEqual({ status: 400, message: expect.any(String), type: 'invalid_request_error', param, code });
  });

  describe('tool turns, as OpenAI checks them', () => {
    const call = (id: string) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } });
    const asks = (...ids: string[]) => ({ role: 'assistant', content: null, tool_calls: ids.map(call) });
    const answers = (id: string) => ({ role: 'tool', tool_call_id: id, content: 'r' });

    it('takes every call answered by the tool messages right after it', () => {
      const messages = [user('x'), asks('call_1', 'call_2'), answers('call_2'), answers('call_1'), user('y'), asks('call_3'), answers('call_3')];
      expect(() => parseChatRequest({ model: 'm', messages })).not.toThrow();
    });

    it('refuses a tool message that answers no assistant message with tool_calls', () => {
      expect(refusal({ model: 'm', messages: [user('x'), answers('call_1')] })).toEqual({
        status: 400,
        message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        type: 'invalid_request_error',
        param: 'messages.[1].role',
        code: null,
      });
      expect(refusal({ model: 'm', messages: [asks('call_1'), answers('call_1'), user('x'), answers('call_1')] }).param).toBe('messages.[3].role');
    });

    it('refuses calls left unanswered, naming them, whether the conversation goes on or ends there', () => {
      expect(refusal({ model: 'm', messages: [user('x'), asks('call_1', 'call_2'), answers('call_1'), user('y')] })).toEqual({
        status: 400,
        message:
          "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_2",
        type: 'invalid_request_error',
        param: 'messages.[1].role',
        code: null,
      });
      expect(refusal({ model: 'm', messages: [user('x'), asks('call_1')] }).param).toBe('messages.[1].role');
    });
  });

  it('words an out-of-range sampling parameter as OpenAI does, and takes its bounds', () => {
    expect(refusal({ model: 'm', messages: [user('x')], temperature: 5 }).message).toBe(
      "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 5 instead.",
    );
    expect(refusal({ model: 'm', messages: [user('x')], top_p: -0.5 }).message).toBe("Invalid 'top_p': decimal below minimum value. Expected a value >= 0, but got -0.5 instead.");
    expect(() => parseChatRequest({ model: 'm', messages: [user('x')], temperature: 2, top_p: 0, frequency_penalty: -2, presence_penalty: 2 })).not.toThrow();
  });

  it('words a missing model as OpenAI does', () => {
    expect(refusal({ messages: [user('x')] }).message).toBe('you must provide a model parameter');
  });
});
