import { InvalidRequestError } from '@aigw/contracts';
import { requireMessages, requireMessagesAndMaxTokens } from './inference-params';

const refusal = (check: () => void) => {
  try {
    check();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return { message: (err as InvalidRequestError).message, param: (err as InvalidRequestError).details.param };
  }
  throw new Error('the body was accepted');
};

describe('requireMessages – Chat Completions refuses messages in OpenAI’s words', () => {
  it('missing, of another type, or empty', () => {
    expect(refusal(() => requireMessages({}))).toEqual({ message: "Missing required parameter: 'messages'.", param: 'messages' });
    expect(refusal(() => requireMessages({ messages: 'hi' })).message).toBe("Invalid type for 'messages': expected an array, but got a string instead.");
    expect(refusal(() => requireMessages({ messages: { role: 'user' } })).message).toBe("Invalid type for 'messages': expected an array, but got an object instead.");
    expect(refusal(() => requireMessages({ messages: null })).message).toBe("Invalid type for 'messages': expected an array, but got null instead.");
    expect(refusal(() => requireMessages({ messages: 3 })).message).toBe("Invalid type for 'messages': expected an array, but got an integer instead.");
    expect(refusal(() => requireMessages({ messages: [] })).message).toBe(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    );
  });

  it('accepts a non-empty array, leaving each message to the upstream', () => {
    expect(() => requireMessages({ messages: [{ role: 'user', content: 'hi' }] })).not.toThrow();
  });
});

describe('requireMessagesAndMaxTokens – the Messages API refuses in Anthropic’s words', () => {
  const ok = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 };

  it('messages missing, not a list, or empty', () => {
    expect(refusal(() => requireMessagesAndMaxTokens({ max_tokens: 16 }))).toEqual({ message: 'messages: Field required', param: 'messages' });
    expect(refusal(() => requireMessagesAndMaxTokens({ ...ok, messages: 'hi' })).message).toBe('messages: Input should be a valid list');
    expect(refusal(() => requireMessagesAndMaxTokens({ ...ok, messages: [] })).message).toBe('messages: at least one message is required');
  });

  it('max_tokens missing, or not a whole number of at least 1', () => {
    expect(refusal(() => requireMessagesAndMaxTokens({ messages: ok.messages }))).toEqual({ message: 'max_tokens: Field required', param: 'max_tokens' });
    for (const max of [0, -1, 1.5, '16', null]) {
      expect(refusal(() => requireMessagesAndMaxTokens({ ...ok, max_tokens: max })).message).toBe(
        'max_tokens: Input should be a valid integer greater than or equal to 1',
      );
    }
    expect(() => requireMessagesAndMaxTokens(ok)).not.toThrow();
  });
});
