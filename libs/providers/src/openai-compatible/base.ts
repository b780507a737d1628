import type { Deployment, InputModality, ProviderKind } from '@aigw/contracts';
import { chatBody } from '../openai/chat.request';
import { parseChatCompletion } from '../openai/chat.response';
import { openaiChunks } from '../openai/chat.stream';
import { embeddingsBody } from '../openai/embeddings.request';
import { normalizeError } from '../openai/errors';
import { readResponsesEventUsage, readResponsesUsage, responsesBody } from '../openai/responses';
import { chatStreamEnd, neverStreamEnd, responsesStreamEnd } from '../openai/stream-end';
import { readEventUsage, readUsage } from '../openai/usage';
import { countIn, parseUpstreamJson } from '../translate/upstream-json';
import { checkRequest, type Refusals } from '../translate/limits';
import { translatedOperation, unsupportedOperation, type UpstreamChatCodec } from '../translate/operations';
import { bind } from '../translate/stream';
import type { ClientBody, OperationAdapter, ProviderAdapter } from '../types';

/** The OpenAI-format operations a server may offer. */
export type OpenAIOperation = 'chat' | 'embeddings' | 'responses';

/**
 * One server that speaks OpenAI's wire format, declared by its differences from OpenAI only.
 * Everything not declared is OpenAI's behaviour.
 */
export interface OpenAIDialect {
  kind: ProviderKind;
  /** Where the service normally lives (`ProviderAdapter.defaultBaseUrl`); each provider's `baseUrl` decides. */
  defaultBaseUrl?: string;
  /** The header carrying the credential, when not `Authorization: Bearer`. */
  keyHeader?: string;
  /** Path (and query) of each operation it offers, for a deployment; absent: `/chat/completions`, … */
  paths?: Partial<Record<OpenAIOperation, ((deployment: Deployment) => string) | null>>;
  /** Parameters it cannot honour: refused with a 400 before any call. */
  refusals?: Refusals;
  /** Fields it rejects although they do not change the answer: removed before sending. */
  drop?: readonly string[];
  /** Fields it knows by another name, e.g. `max_completion_tokens` → `max_tokens`. */
  rename?: Readonly<Record<string, string>>;
  /** Inputs its API takes at all; absent: all of OpenAI's. */
  inputs?: readonly InputModality[];
  /** Counts a Responses body's input tokens (OpenAI's `/responses/input_tokens`); without it the gateway counts. */
  countsInputTokens?: boolean;
}

const DEFAULT_PATHS: Readonly<Record<OpenAIOperation, (deployment: Deployment) => string>> = {
  chat: () => '/chat/completions',
  embeddings: () => '/embeddings',
  responses: () => '/responses',
};

/** The adapter of an OpenAI-format server: native operations pass through, Anthropic's Messages are translated. */
export function openAICompatible(dialect: OpenAIDialect): ProviderAdapter {
  const { kind } = dialect;
  const pathOf = (operation: OpenAIOperation) => (dialect.paths?.[operation] === undefined ? DEFAULT_PATHS[operation] : dialect.paths[operation]);
  const limits = { refusals: dialect.refusals, inputs: dialect.inputs };

  const adjust = (body: Record<string, unknown>): string => {
    for (const field of dialect.drop ?? []) delete body[field];
    for (const [from, to] of Object.entries(dialect.rename ?? {})) {
      if (!Object.hasOwn(body, from)) continue;
      if (!Object.hasOwn(body, to)) body[to] = body[from];
      delete body[from];
    }
    return JSON.stringify(body);
  };

  /** An operation whose request and response are the client's own format: only the body is aimed and adjusted. */
  const native = (
    operation: OpenAIOperation,
    prepare: (body: ClientBody, model: string) => { body: Record<string, unknown>; stream: boolean; usageAdded: boolean },
    reading: Pick<OperationAdapter, 'readUsage' | 'readEventUsage' | 'streamEnd'>,
  ): OperationAdapter => {
    const path = pathOf(operation);
    if (!path) return unsupportedOperation((d) => `${d.kind} (deployment '${d.id}') does not offer OpenAI's ${operation} API.`);
    return {
      unsupported: (body, deployment) => checkRequest(body, deployment, limits),
      prepare(body, deployment) {
        const prepared = prepare(body, deployment.model);
        return { path: path(deployment), body: adjust(prepared.body), stream: prepared.stream, usageAdded: prepared.usageAdded };
      },
      ...reading,
    };
  };

  const chatPath = pathOf('chat') ?? DEFAULT_PATHS.chat;
  const codec: UpstreamChatCodec = {
    limits,
    request: (chat, deployment) => ({ path: chatPath(deployment), body: adjust(chatBody(chat, deployment.model).body) }),
    completion: parseChatCompletion,
    chunks: () => bind(openaiChunks),
  };

  return {
    kind,
    ...(dialect.defaultBaseUrl === undefined ? {} : { defaultBaseUrl: dialect.defaultBaseUrl }),
    headers(credential) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (!credential) return headers;
      if (dialect.keyHeader) headers[dialect.keyHeader] = credential;
      else headers.authorization = `Bearer ${credential}`;
      return headers;
    },
    normalizeError,
    chat: native('chat', chatBody, { readUsage, readEventUsage, streamEnd: chatStreamEnd }),
    embeddings: native('embeddings', (body, model) => ({ body: embeddingsBody(body, model), stream: false, usageAdded: false }), {
      readUsage,
      readEventUsage,
      streamEnd: neverStreamEnd,
    }),
    responses: native('responses', (body, model) => ({ body: responsesBody(body, model), stream: body.stream === true, usageAdded: false }), {
      readUsage: readResponsesUsage,
      readEventUsage: readResponsesEventUsage,
      streamEnd: responsesStreamEnd,
    }),
    messages: translatedOperation('anthropic', codec),
    ...(dialect.countsInputTokens
      ? {
          tokenCounters: {
            responses: {
              prepare: (body, deployment) => ({ path: '/responses/input_tokens', body: adjust({ ...body, model: deployment.model }) }),
              readCount: (answer) => countIn(parseUpstreamJson(answer, kind), 'input_tokens', kind),
            },
          },
        }
      : {}),
  };
}
