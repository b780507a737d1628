import type { ChatRequest } from './chat-request';
import { planChatReply } from './chat-reply';

const request = (over: Partial<ChatRequest>): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', text: 'hi' }],
  stream: false,
  includeUsage: false,
  n: 1,
  maxTokens: undefined,
  tools: [],
  toolChoice: 'auto',
  ...over,
});

const weatherTool = {
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } },
};

describe('chat reply', () => {
  it('echoes the last user message in `chunks` slices and counts the words of every message', () => {
    const reply = planChatReply(
      request({
        messages: [
          { role: 'system', text: 'Be brief.' },
          { role: 'user', text: 'one two three' },
          { role: 'assistant', text: 'ok' },
          { role: 'user', text: 'one two three two' },
        ],
      }),
      4,
    );
    expect(reply.pieces).toEqual(['one t', 'wo t', 'hree', ' two']);
    expect(reply).toMatchObject({ toolName: undefined, finishReason: 'stop', promptTokens: 10, completionTokens: 4 });
  });

  it('sends one character per piece when the text is shorter than `chunks`', () => {
    const reply = planChatReply(request({ messages: [{ role: 'user', text: 'hey' }] }), 8);
    expect(reply.pieces).toEqual(['h', 'e', 'y']);
    expect(reply.completionTokens).toBe(3);
  });

  it('answers OK when no user spoke', () => {
    expect(planChatReply(request({ messages: [{ role: 'system', text: 'rules' }] }), 2).pieces).toEqual(['O', 'K']);
  });

  it('stops at max tokens with finish reason length', () => {
    const reply = planChatReply(request({ messages: [{ role: 'user', text: 'abcdef' }], maxTokens: 2 }), 6);
    expect(reply.pieces).toEqual(['a', 'b']);
    expect(reply).toMatchObject({ finishReason: 'length', completionTokens: 2 });
  });

  it('calls the first tool when the user spoke last, arguments built from the user text', () => {
    const reply = planChatReply(request({ messages: [{ role: 'user', text: 'Paris' }], tools: [weatherTool] }), 4);
    expect(reply.toolName).toBe('get_weather');
    expect(reply.finishReason).toBe('tool_calls');
    expect(JSON.parse(reply.pieces.join(''))).toEqual({ city: 'Paris', days: 1 });
    expect(reply.pieces).toHaveLength(4);
    expect(reply.completionTokens).toBe(4);
  });

  it('calls the tool tool_choice names, and none when it says none', () => {
    const other = { name: 'lookup', parameters: undefined };
    const named = planChatReply(request({ tools: [weatherTool, other], toolChoice: { name: 'lookup' } }), 8);
    expect(named.toolName).toBe('lookup');
    expect(named.pieces.join('')).toBe('{}');
    const none = planChatReply(request({ tools: [weatherTool], toolChoice: 'none' }), 2);
    expect(none.toolName).toBeUndefined();
  });

  it('answers a tool result with text that carries it', () => {
    const reply = planChatReply(
      request({
        tools: [weatherTool],
        messages: [
          { role: 'user', text: 'Paris' },
          { role: 'assistant', text: '' },
          { role: 'tool', text: '{"temp":21}' },
        ],
      }),
      3,
    );
    expect(reply.toolName).toBeUndefined();
    expect(reply.pieces.join('')).toBe('Tool result: {"temp":21}');
    expect(reply.finishReason).toBe('stop');
  });
});
