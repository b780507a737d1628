import type { OutgoingHttpHeaders } from 'node:http';
import type { Behavior } from '../behavior';
import { keyChecker } from '../credentials';
import { RequestRejected, type Dialect, type Route } from '../dialect';
import type { Reply } from '../exchange';
import { nextId } from '../ids';
import { parseChatRequest } from '../openai/chat-request';
import { planChatReply } from '../openai/chat-reply';
import { closingChunks, renderChunks, renderCompletion } from '../openai/chat-wire';
import { parseEmbeddingsRequest, renderEmbeddings } from '../openai/embeddings';
import { invalidJson as openaiInvalidJson } from '../openai/errors';

/**
 * Azure OpenAI under `/azure/openai` (point `AzureOpenAI`'s endpoint at `<mock>/azure`): OpenAI's wire
 * format at per-deployment URLs that need `?api-version=`, the key in `api-key` (or a bearer token),
 * Azure's own error body for what Azure itself refuses (`{"error":{"code":"<status>","message"}}`), and
 * its content filter annotations, the prompt's in a first chunk without choices.
 * https://learn.microsoft.com/en-us/azure/ai-services/openai/reference
 */

export interface AzureDialectOptions {
  /** The only key accepted; any non-empty one when undefined. */
  apiKey: string | undefined;
}

export function azureError(status: number, message: string, headers?: OutgoingHttpHeaders): Reply {
  return { status, body: JSON.stringify({ error: { code: String(status), message } }), headers };
}

const SAFE = { filtered: false, severity: 'safe' };
const FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTERS = [{ prompt_index: 0, content_filter_results: FILTERS }];

const deploymentPath = (operation: string) => new RegExp(`^/azure/openai/deployments/([^/]+)/${operation}$`);

function requireApiVersion(query: URLSearchParams): void {
  if (!query.get('api-version')) throw new RequestRejected(azureError(404, 'Resource not found'));
}

/** The body with the deployment as model when it names none: Azure takes the deployment from the URL. */
function withModel(body: unknown, deployment: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { model?: unknown }).model === undefined
    ? { ...body, model: deployment }
    : body;
}

const chatRoute: Route = {
  name: 'azure.chat.completions',
  method: 'POST',
  path: deploymentPath('chat/completions'),
  accept(body, [deployment], query) {
    requireApiVersion(query);
    const req = parseChatRequest(withModel(body, decodeURIComponent(deployment!)));
    return {
      model: req.model,
      respond(x) {
        const reply = planChatReply(req, x.behavior.chunks);
        const callIds = reply.toolName === undefined ? [] : Array.from({ length: req.n }, () => nextId('call_'));
        const env = { id: nextId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: req.model, n: req.n, callIds };
        if (req.stream) {
          const promptFilter = `data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTERS })}\n\n`;
          x.events([promptFilter, ...renderChunks(reply, env, req.includeUsage)], { closing: closingChunks(env, req.includeUsage) });
          return;
        }
        const completion = JSON.parse(renderCompletion(reply, env)) as { choices: object[] };
        completion.choices = completion.choices.map((choice) => ({ ...choice, content_filter_results: FILTERS }));
        x.json({ status: 200, body: JSON.stringify({ ...completion, prompt_filter_results: PROMPT_FILTERS }) });
      },
    };
  },
};

const embeddingsRoute: Route = {
  name: 'azure.embeddings',
  method: 'POST',
  path: deploymentPath('embeddings'),
  accept(body, [deployment], query) {
    requireApiVersion(query);
    const req = parseEmbeddingsRequest(withModel(body, decodeURIComponent(deployment!)));
    return { model: req.model, respond: (x) => x.json({ status: 200, body: renderEmbeddings(req) }) };
  },
};

const FAULT_MESSAGES: Record<number, string> = {
  401: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  404: 'The API deployment for this resource does not exist.',
  429: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.',
  500: 'The server had an error while processing your request.',
};

function faultError(status: number, behavior: Behavior): Reply {
  const headers = status === 429 ? { 'retry-after': String(behavior.faultRetryAfterS) } : undefined;
  return azureError(status, FAULT_MESSAGES[status] ?? `The mock provider was told to answer ${status}.`, headers);
}

export function azureDialect(opts: AzureDialectOptions): Dialect {
  const accepts = keyChecker(opts.apiKey);
  return {
    name: 'azure',
    prefix: '/azure',
    routes: [chatRoute, embeddingsRoute],
    responseHeaders: () => ({ 'apim-request-id': nextId(''), 'x-ms-region': 'Mock Region' }),
    authenticate(headers) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      const key = typeof headers['api-key'] === 'string' ? headers['api-key'] : bearer;
      if (key && accepts(key)) return undefined;
      return azureError(401, FAULT_MESSAGES[401]!);
    },
    invalidJson: openaiInvalidJson,
    bodyTooLarge: (limitBytes) => azureError(413, `Request body too large; the limit is ${limitBytes} bytes.`),
    notFound: () => azureError(404, 'Resource not found'),
    fault: faultError,
  };
}
