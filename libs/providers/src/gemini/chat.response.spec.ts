import { UpstreamError } from '@aigw/contracts';
import { fixture } from '../../test/fixtures';
import { parseGenerateContent, toChatCompletion } from './chat.response';

describe('gemini chat response (generateContent → OpenAI chat)', () => {
  it('gemini response – turns the documented answer into a completion, thoughts counted as completion tokens', () => {
    expect(toChatCompletion(parseGenerateContent(fixture('gemini', 'generate-text.json')))).toEqual({
      id: 'chatcmpl-mR3KaOz5H6Tfz7IP-vm7sQQ',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'AI learns patterns from data to make predictions.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 8,
        completion_tokens: 37,
        total_tokens: 45,
        prompt_tokens_details: { cached_tokens: 2 },
        completion_tokens_details: { reasoning_tokens: 28 },
      },
    });
  });

  it('gemini response – turns a function call into a tool call with an id of the gateway’s', () => {
    const choice = toChatCompletion(parseGenerateContent(fixture('gemini', 'generate-function-call.json'))).choices[0]!;
    expect(choice).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [{ id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: 'function', function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['OTHER', 'stop'],
  ])('gemini response – maps finish reason %s to %s', (reason, finish) => {
    const body = { candidates: [{ content: { parts: [{ text: 'x' }], role: 'model' }, finishReason: reason }] };
    expect(toChatCompletion(parseGenerateContent(JSON.stringify(body))).choices[0]!.finish_reason).toBe(finish);
  });

  it('gemini response – answers a blocked prompt with an empty content_filter choice', () => {
    const body = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } };
    const completion = toChatCompletion(parseGenerateContent(JSON.stringify(body)));
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }]);
  });

  it.each([['{"candidates": "x"}'], ['{}'], ['garbage'], ['{"error":{"code":500,"message":"boom"}}']])(
    'gemini response – refuses a body that is no answer (%s) as an upstream error',
    (body) => {
      expect(() => toChatCompletion(parseGenerateContent(body))).toThrow(UpstreamError);
    },
  );
});
