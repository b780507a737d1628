import { malformed, parseUpstreamJson } from '../translate/upstream-json';
import type { ChatCompletion } from './chat.wire';

/** A complete chat completion from an OpenAI-format upstream, checked for the fields translations read. */
export function parseChatCompletion(body: Buffer): ChatCompletion {
  const completion = parseUpstreamJson(body, 'OpenAI-format');
  if (!Array.isArray(completion.choices)) throw malformed('OpenAI-format', 'a body that is not a chat completion');
  return completion as unknown as ChatCompletion;
}
