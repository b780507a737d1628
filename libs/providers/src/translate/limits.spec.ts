import { deploymentOf } from '../../test/fixtures';
import { checkRequest, when } from './limits';

describe('request limits', () => {
  it('limits – names the first content part of a kind the deployment does not take, nested tool results included', () => {
    const body = {
      messages: [
        { role: 'user', content: 'text is always fine' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'u' } }] }] },
      ],
    };
    expect(checkRequest(body, deploymentOf('anthropic', { capabilities: { input: ['text', 'file'] } }), {})).toEqual({
      param: 'messages[1].content[0].content[0]',
      message: "'messages[1].content[0].content[0]' is image input, which anthropic (deployment 'anthropic-dep') does not accept.",
    });
  });

  it('limits – lets the deployment’s declared inputs win over the provider’s', () => {
    const body = { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] };
    expect(checkRequest(body, deploymentOf('openai'), { inputs: ['text'] })?.param).toBe('messages[0].content[0]');
    expect(checkRequest(body, deploymentOf('openai', { capabilities: { input: ['text', 'audio'] } }), { inputs: ['text'] })).toBeUndefined();
  });

  it('limits – survives bodies of any shape', () => {
    for (const messages of [undefined, 'x', [null, 3, { content: 'x' }, { content: [null, 'x', { type: 7 }] }]]) {
      expect(checkRequest({ messages }, deploymentOf('openai', { capabilities: { input: ['text'] } }), {})).toBeUndefined();
    }
  });

  it('limits – refusal conditions', () => {
    expect([when.above(1)(2), when.above(1)(1), when.above(1)('3')]).toEqual([true, false, false]);
    expect([when.nonEmpty({}), when.nonEmpty({ a: 1 }), when.nonEmpty([])]).toEqual([false, true, false]);
    expect([when.typeOtherThan('text')({ type: 'text' }), when.typeOtherThan('text')({ type: 'json_object' })]).toEqual([false, true]);
    expect([when.set(null), when.set(false), when.set(0)]).toEqual([false, false, true]);
  });
});
