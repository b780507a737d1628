import { keyChecker } from '../credentials';
import type { Dialect, Route } from '../dialect';
import { nextId } from '../ids';
import { planChatReply, promptTokensOf } from '../openai/chat-reply';
import { bodyTooLarge, faultError, incorrectApiKey, invalidJson, missingApiKey, missingVersion, notFound, unknownVersion } from './errors';
import { parseMessagesRequest } from './messages-request';
import { CLOSING_EVENTS, renderEvents, renderMessage } from './messages-wire';
import { modelRoutes } from './models';

export interface AnthropicDialectOptions {
  /** The only `x-api-key` accepted; any non-empty one when undefined. */
  apiKey: string | undefined;
  models: readonly string[];
  /** `created_at` of the listed models, RFC 3339. */
  modelsCreatedAt: string;
}

/** The API versions Anthropic serves. https://docs.anthropic.com/en/api/versioning */
const API_VERSIONS = new Set(['2023-06-01', '2026-10-21']);

/** `POST /anthropic/v1/messages`, streamed or not. */
const messagesRoute: Route = {
  name: 'anthropic.messages',
  method: 'POST',
  path: '/anthropic/v1/messages',
  accept(body, _params, _query, headers) {
    const req = parseMessagesRequest(body, headers['anthropic-version'] === '2026-10-21');
    return {
      model: req.model,
      respond(x) {
        const reply = planChatReply(req, x.behavior.chunks);
        const env = { id: nextId('msg_'), model: req.model, toolUseId: nextId('toolu_') };
        if (req.stream) x.events(renderEvents(reply, env), { closing: CLOSING_EVENTS });
        else x.json({ status: 200, body: renderMessage(reply, env) });
      },
    };
  },
};

/** `POST /anthropic/v1/messages/count_tokens`: the input tokens a `messages` request would report. */
const countTokensRoute: Route = {
  name: 'anthropic.messages.count_tokens',
  method: 'POST',
  path: '/anthropic/v1/messages/count_tokens',
  accept(body, _params, _query, headers) {
    const req = parseMessagesRequest(body, headers['anthropic-version'] === '2026-10-21', 'count');
    return {
      model: req.model,
      respond(x) {
        x.json({ status: 200, body: JSON.stringify({ input_tokens: promptTokensOf(req.messages) }) });
      },
    };
  },
};

/**
 * Anthropic's Messages API under `/anthropic/v1` (point an SDK's base URL at `<mock>/anthropic`):
 * `x-api-key` and `anthropic-version` headers, Anthropic's error bodies and stream events.
 */
export function anthropicDialect(opts: AnthropicDialectOptions): Dialect {
  const accepts = keyChecker(opts.apiKey);
  return {
    name: 'anthropic',
    prefix: '/anthropic',
    routes: [messagesRoute, countTokensRoute, ...modelRoutes(opts.models, opts.modelsCreatedAt)],
    responseHeaders: () => ({ 'request-id': nextId('req_') }),
    // `x-api-key`, or `Authorization: Bearer` as the SDKs send it since API version 2026-10-21.
    authenticate(headers) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      const key = typeof headers['x-api-key'] === 'string' && headers['x-api-key'] !== '' ? headers['x-api-key'] : bearer;
      if (key === undefined) return missingApiKey();
      if (!accepts(key)) return incorrectApiKey();
      const version = headers['anthropic-version'];
      if (typeof version !== 'string' || version === '') return missingVersion();
      return API_VERSIONS.has(version) ? undefined : unknownVersion(version);
    },
    invalidJson,
    bodyTooLarge,
    notFound,
    fault: faultError,
  };
}
