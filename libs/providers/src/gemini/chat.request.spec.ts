import { InvalidRequestError } from '@aigw/contracts';
import { deploymentOf } from '../../test/fixtures';
import { ChatRequest } from '../openai/chat.wire';
import { gemini } from '.';
import { geminiSchema, toGenerateContentRequest } from './chat.request';

const chat = (body: Record<string, unknown>) => ChatRequest.parse({ model: 'alias', ...body });
const lights = {
  type: 'function',
  function: {
    name: 'set_light_values',
    description: 'Sets the brightness and color temperature of a light.',
    parameters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        brightness: { type: 'integer', description: 'Light level from 0 to 100.' },
        color_temp: { type: 'string', enum: ['daylight', 'cool', 'warm'] },
      },
      required: ['brightness', 'color_temp'],
    },
  },
};

describe('gemini chat request (OpenAI chat → generateContent)', () => {
  it('gemini request – uses user/model roles, a systemInstruction and generationConfig', () => {
    expect(
      toGenerateContentRequest(
        chat({
          messages: [
            { role: 'system', content: 'You are a cat.' },
            { role: 'user', content: 'Hello there' },
            { role: 'assistant', content: 'Meow.' },
            { role: 'user', content: [{ type: 'text', text: 'Again?' }] },
          ],
          temperature: 1.2,
          top_p: 0.8,
          max_tokens: 100,
          stop: ['x', 'y'],
          n: 2,
          seed: 3,
          presence_penalty: 0.5,
          frequency_penalty: 0.25,
          response_format: { type: 'json_object' },
          user: 'dropped',
        }),
      ),
    ).toEqual({
      systemInstruction: { parts: [{ text: 'You are a cat.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello there' }] },
        { role: 'model', parts: [{ text: 'Meow.' }] },
        { role: 'user', parts: [{ text: 'Again?' }] },
      ],
      generationConfig: {
        temperature: 1.2,
        topP: 0.8,
        maxOutputTokens: 100,
        stopSequences: ['x', 'y'],
        candidateCount: 2,
        seed: 3,
        presencePenalty: 0.5,
        frequencyPenalty: 0.25,
        responseMimeType: 'application/json',
      },
    });
  });

  it('gemini request – declares functions and answers tool results by function name', () => {
    const out = toGenerateContentRequest(
      chat({
        messages: [
          { role: 'user', content: 'Dim the lights' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' } }] },
          { role: 'tool', tool_call_id: 'call_9', content: '{"brightness":25,"colorTemperature":"warm"}' },
          { role: 'tool', tool_call_id: 'call_9', content: 'plain text' },
        ],
        tools: [lights],
        tool_choice: { type: 'function', function: { name: 'set_light_values' } },
      }),
    );
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'Dim the lights' }] },
      { role: 'model', parts: [{ functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } } }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'set_light_values', response: { brightness: 25, colorTemperature: 'warm' } } },
          { functionResponse: { name: 'set_light_values', response: { output: 'plain text' } } },
        ],
      },
    ]);
    expect(out.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'set_light_values',
            description: 'Sets the brightness and color temperature of a light.',
            parameters: {
              type: 'object',
              properties: {
                brightness: { type: 'integer', description: 'Light level from 0 to 100.' },
                color_temp: { type: 'string', enum: ['daylight', 'cool', 'warm'] },
              },
              required: ['brightness', 'color_temp'],
            },
          },
        ],
      },
    ]);
    expect(out.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['set_light_values'] } });
  });

  it('gemini request – sends images and audio inline, and a function without parameters without a schema', () => {
    const out = toGenerateContentRequest(
      chat({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            ],
          },
        ],
        tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }],
        tool_choice: 'required',
      }),
    );
    expect(out.contents[0]!.parts).toEqual([{ inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }, { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }]);
    expect(out.tools).toEqual([{ functionDeclarations: [{ name: 'now' }] }]);
    expect(out.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  it('gemini request – keeps only the schema keywords Gemini knows', () => {
    expect(
      geminiSchema({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { a: { type: ['string', 'null'] }, b: { const: 'x' }, c: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 } } },
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'string', nullable: true }, b: { enum: ['x'] }, c: { type: 'array', items: { type: 'number' } } },
    });
  });

  it.each([
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }, 'messages[0].content[0].image_url.url'],
    [{ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_unknown', content: 'r' }] }, 'messages[1].tool_call_id'],
  ])('gemini request – refuses what it cannot translate (%#)', (body, param) => {
    let error: unknown;
    try {
      toGenerateContentRequest(chat(body));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).details.param).toBe(param);
  });

  it('gemini operation – calls generateContent, or streamGenerateContent as SSE, on the deployment model', () => {
    const deployment = deploymentOf('gemini', { model: 'gemini-2.0-flash' });
    const body = { model: 'alias', messages: [{ role: 'user', content: 'Hi' }] };
    expect(gemini.chat.prepare(body, deployment).path).toBe('/models/gemini-2.0-flash:generateContent');
    expect(gemini.chat.prepare({ ...body, stream: true }, deployment).path).toBe('/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    expect(gemini.messages.prepare({ ...body, max_tokens: 5 }, deployment).body).toBe(
      JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generationConfig: { maxOutputTokens: 5 } }),
    );
    expect(gemini.headers('AIza-key')).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIza-key' });
  });

  it('gemini operation – refuses log probabilities before any call', () => {
    expect(gemini.chat.unsupported({ model: 'a', messages: [{ role: 'user', content: 'x' }], logprobs: true }, deploymentOf('gemini'))?.param).toBe('logprobs');
  });
});
