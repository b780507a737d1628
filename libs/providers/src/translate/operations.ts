import type { Deployment, InputModality } from '@aigw/contracts';
import { clientFormats, type ClientFormat } from '../formats';
import type { ChatCompletion, ChatRequest } from '../openai/chat.wire';
import { tokenUsageOf } from '../openai/usage';
import type { OperationAdapter } from '../types';
import { checkRequest, type Refusals } from './limits';
import { refuse } from './request-errors';
import { translateStream, type UpstreamChunks } from './stream';

/**
 * An upstream's side of chat translation, from and to the pivot (OpenAI's chat shape). One per upstream
 * wire format; `translatedOperation` pairs it with any client format.
 */
export interface UpstreamChatCodec {
  limits: { refusals?: Refusals; inputs?: readonly InputModality[] };
  /** The upstream call for a checked pivot request, aimed at the deployment. */
  request(chat: ChatRequest, deployment: Deployment): { path: string; body: string };
  /** A complete 2xx body as a completion; throws `UpstreamError` when it is not what the API documents. */
  completion(body: Buffer): ChatCompletion;
  /** A fresh transform of the upstream's events into chunks. */
  chunks(): UpstreamChunks;
}

/**
 * A client's chat API served by an upstream of another format: the client's body becomes the pivot (once
 * per request), the pivot the upstream's request, and the answer goes back the same way. Usage comes from
 * the translated answer, so the proxy's untranslated readers are never asked.
 */
export function translatedOperation(format: ClientFormat, upstream: UpstreamChatCodec): OperationAdapter {
  const client = clientFormats[format];
  return {
    unsupported: (body, deployment) => checkRequest(client.toChat(body), deployment, upstream.limits),
    prepare(body, deployment) {
      const chat = client.toChat(body);
      const { path, body: upstreamBody } = upstream.request(chat, deployment);
      return {
        path,
        body: upstreamBody,
        stream: chat.stream === true,
        usageAdded: false,
        translation: {
          body(answer) {
            const completion = upstream.completion(answer);
            return { body: client.fromCompletion(completion), usage: tokenUsageOf(completion.usage) };
          },
          stream: () => translateStream(upstream.chunks(), client.events(body)),
        },
      };
    },
    readUsage: () => undefined,
    readEventUsage: () => undefined,
    // Translated: the translator knows how its stream ends.
    streamEnd: () => undefined,
  };
}

/** An operation a provider does not offer: refused before any call, with a message naming the provider. */
export function unsupportedOperation(message: (deployment: Deployment) => string): OperationAdapter {
  return {
    unsupported: (_body, deployment) => ({ param: null, message: message(deployment) }),
    prepare: (_body, deployment) => refuse(null, message(deployment)),
    readUsage: () => undefined,
    readEventUsage: () => undefined,
    // Translated: the translator knows how its stream ends.
    streamEnd: () => undefined,
  };
}
