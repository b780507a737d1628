import type { IncomingHttpHeaders } from 'node:http';
import { InvalidRequestError, isIdentifier, RequestClass, ROUTE_SAMPLE_MAX_CHARS, type RouteFeatures } from '@aigw/contracts';

/** Header naming the request's class for `auto` routing, e.g. `coding`; wins over the router's classifier. */
export const ROUTE_CLASS_HEADER = 'x-aigw-route-class';
/** Header listing tags every candidate deployment must carry, e.g. `region=eu`. */
export const ROUTE_TAGS_HEADER = 'x-aigw-route-tags';

/** Longest tag name or value, number of characters. */
const MAX_TAG_CHARS = 64;

/** Rough size of text in tokens: four characters a token, as OpenAI's rule of thumb has it. */
const CHARS_PER_TOKEN = 4;

/**
 * What the router needs to know about a request, and nothing more: sizes, flags and the start of the last
 * user message (for classification), never the prompt itself. Computed from the body the proxy parsed once,
 * by its shape: `messages` (and a `system` text) for chat APIs, `input` for embeddings and responses.
 */
export function routeFeatures(body: Readonly<Record<string, unknown>>, headers: IncomingHttpHeaders): RouteFeatures {
  const features: RouteFeatures = { stream: body.stream === true };
  let chars = typeof body.system === 'string' ? body.system.length : 0;
  let lastUser: string | undefined;
  const items = Array.isArray(body.messages) ? (body.messages as unknown[]) : Array.isArray(body.input) ? (body.input as unknown[]) : [body.input];
  for (const item of items) {
    if (typeof item === 'string') {
      chars += item.length;
      lastUser = item;
    } else if (Array.isArray(item)) {
      // Token ids (embeddings): one each.
      chars += item.length * CHARS_PER_TOKEN;
    } else if (item && typeof item === 'object') {
      const text = textOf((item as { content?: unknown }).content);
      chars += text.length;
      if ((item as { role?: unknown }).role === 'user') lastUser = text;
    }
  }
  if (lastUser) features.sample = lastUser.slice(0, ROUTE_SAMPLE_MAX_CHARS);
  features.promptTokens = Math.ceil(chars / CHARS_PER_TOKEN);
  // Checked by `requireOutputBounds` before.
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens;
  if (typeof maxTokens === 'number') features.maxTokens = maxTokens;

  const hint = headers[ROUTE_CLASS_HEADER];
  if (typeof hint === 'string') {
    const parsed = RequestClass.safeParse(hint.trim());
    if (!parsed.success) {
      throw new InvalidRequestError(`Invalid ${ROUTE_CLASS_HEADER} header: use one of ${RequestClass.options.join(', ')}.`, ROUTE_CLASS_HEADER);
    }
    features.classHint = parsed.data;
  }
  const tags = headers[ROUTE_TAGS_HEADER];
  if (typeof tags === 'string') features.tags = parseTags(tags);
  return features;
}

/** The text of a message's content: a string, or the text parts of an array of parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as unknown[]) {
    const t = (part as { text?: unknown } | null)?.text;
    if (typeof t === 'string') text += t;
  }
  return text;
}

/** `region=eu, tier=gold` → `{ region: 'eu', tier: 'gold' }`. */
function parseTags(header: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.split('=').map((s) => s.trim());
    if (!key || value === undefined || extra !== undefined || !isIdentifier(key, MAX_TAG_CHARS) || (value !== '' && !isIdentifier(value, MAX_TAG_CHARS))) {
      throw new InvalidRequestError(
        `Invalid ${ROUTE_TAGS_HEADER} header: write tags as key=value pairs separated by commas, each name and value printable and at most ${MAX_TAG_CHARS} characters.`,
        ROUTE_TAGS_HEADER,
      );
    }
    tags[key] = value;
  }
  return tags;
}
