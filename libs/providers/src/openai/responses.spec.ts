import { readResponsesEventUsage, readResponsesUsage } from './responses';

const usage = { input_tokens: 36, input_tokens_details: { cached_tokens: 4 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 123 };

describe('openai responses usage', () => {
  it('responses – reads the usage of a response object, after output that mentions usage', () => {
    const body = { id: 'resp_1', object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text: '"usage": {"input_tokens": 999}' }] }], usage };
    expect(readResponsesUsage(Buffer.from(JSON.stringify(body)))).toEqual({ promptTokens: 36, completionTokens: 87, cachedTokens: 4 });
  });

  it('responses – reads usage from response.completed only, never from deltas', () => {
    const delta = `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'usage' })}\n\n`;
    const created = `event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { id: 'r', usage: null } })}\n\n`;
    const completed = `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response: { id: 'r', usage } })}\n\n`;
    expect(readResponsesEventUsage(Buffer.from(delta))).toBeUndefined();
    expect(readResponsesEventUsage(Buffer.from(created))).toBeUndefined();
    expect(readResponsesEventUsage(Buffer.from(completed))).toEqual({ usage: { promptTokens: 36, completionTokens: 87, cachedTokens: 4 }, usageOnly: false });
  });
});
