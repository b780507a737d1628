import { InvalidRequestError } from '@aigw/contracts';
import { fixture } from '../../test/fixtures';
import { clientFormats } from '../formats';
import { toChatRequest } from './messages.request';
import { MessagesRequest } from './messages.wire';

const toChat = (body: unknown) => toChatRequest(MessagesRequest.parse(body));

describe('anthropic messages request (Messages → OpenAI chat pivot)', () => {
  it('messages request – translates the documented tool round trip, thinking and cache control dropped', () => {
    const chat = toChat(JSON.parse(fixture('anthropic', 'request-tool-round-trip.json').toString()));
    expect(chat).toEqual({
      model: 'claude-opus-4-1-20250805',
      max_completion_tokens: 1024,
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'user', content: 'What is the weather like in San Francisco?' },
        {
          role: 'assistant',
          content: '<thinking>I need to use get_weather, and the user wants SF, which is likely San Francisco, CA.</thinking>',
          tool_calls: [
            {
              id: 'toolu_01A09q90qw90lq917835lq9',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      stop: ['\n\nHuman:'],
      user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get the current weather in a given location',
            parameters: {
              type: 'object',
              properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' } },
              required: ['location'],
            },
          },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
  });

  it('messages request – turns image and document blocks into OpenAI content parts', () => {
    const chat = toChat({
      model: 'm',
      max_tokens: 10,
      stream: true,
      temperature: 0.5,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/a.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'Spec' },
            { type: 'text', text: 'Describe.' },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/a.jpg' } },
          { type: 'file', file: { filename: 'Spec', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          { type: 'text', text: 'Describe.' },
        ],
      },
    ]);
    expect(chat).toMatchObject({ stream: true, temperature: 0.5, max_completion_tokens: 10 });
  });

  it.each([
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
    [{ type: 'tool', name: 'get_weather' }, { type: 'function', function: { name: 'get_weather' } }],
  ])('messages request – maps tool_choice %j', (choice, expected) => {
    const chat = toChat({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'get_weather', input_schema: { type: 'object' } }], tool_choice: choice });
    expect(chat.tool_choice).toEqual(expected);
    expect(chat.parallel_tool_calls).toBeUndefined();
  });

  it('messages request – marks a failed tool result in its text', () => {
    const chat = toChat({
      model: 'm',
      max_tokens: 5,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: [{ type: 'text', text: 'timeout' }] }] },
      ],
    });
    expect(chat.messages[1]).toEqual({ role: 'tool', tool_call_id: 't1', content: 'Error: timeout' });
  });

  const refusal = (body: unknown) => {
    try {
      toChat(body);
    } catch (err) {
      return err as InvalidRequestError;
    }
    throw new Error('not refused');
  };
  const use = (id: string) => ({ type: 'tool_use', id, name: 'lookup', input: {} });
  const result = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'r' });
  /** A user turn, the assistant's tool_use blocks with these ids, then a user turn of tool_results for those. */
  const toolRound = (uses: string[], results: string[]) => ({
    model: 'm',
    max_tokens: 5,
    messages: [
      { role: 'user', content: 'look it up' },
      { role: 'assistant', content: uses.map(use) },
      { role: 'user', content: results.map(result) },
    ],
  });

  it('messages request – refuses a tool_result that answers no tool_use of the turn before, in Anthropic\'s words', () => {
    const err = refusal(toolRound(['t1'], ['t1', 't9']));
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.message).toBe(
      'messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: t9. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
    expect(err.details.param).toBe('messages[2].content[1]');
  });

  it('messages request – refuses tool_use blocks the next turn leaves unanswered, naming that turn, in Anthropic\'s words', () => {
    const err = refusal(toolRound(['t1', 't2'], ['t1']));
    expect(err.message).toBe(
      'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: t2. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
  });

  it('messages request – lets a conversation end on the assistant\'s tool_use (a prefill), which no turn follows yet', () => {
    expect(toChat({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [use('t1')] }] }).messages).toHaveLength(2);
  });

  it.each([
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }, 'messages[0].content[0].type'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type'],
    [
      { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }] }] },
      'messages[0].content[0].source',
    ],
  ])('messages request – refuses an invalid or untranslatable body with a 400 naming %#', (body, param) => {
    let error: unknown;
    try {
      clientFormats.anthropic.toChat(body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).details.param).toBe(param);
  });

  it('messages request – translates a body once however many candidates ask', () => {
    const body = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
    expect(clientFormats.anthropic.toChat(body)).toBe(clientFormats.anthropic.toChat(body));
  });
});
