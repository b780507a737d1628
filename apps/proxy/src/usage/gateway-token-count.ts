import { countTokens } from 'gpt-tokenizer';
import type { TokenUsage } from '@aigw/providers';

/**
 * Token counts the gateway makes itself when an upstream reported none (a stream cut short, a client that
 * left, a provider that does not report usage): the prompt the client sent and the completion it was
 * actually delivered, counted with gpt-tokenizer (o200k_base, the GPT-4o encoding). For other model
 * families it is an estimate, which is why such events say `usageSource: "gateway"`.
 */

/** OpenAI's documented overhead of the chat format: tokens per message, and to prime the reply. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
/** Text tokenized per turn of the event loop, so that a megabyte prompt never stalls other requests. */
const SLICE_CHARS = 8_192;
/**
 * Stream bytes kept per request to count from; past it the rest is extrapolated from what was kept. Every
 * stream fills it until its usage arrives at the end, so it is what each open stream holds: an event of a
 * few characters takes some 150 bytes of SSE, and 16 KB holds about a hundred, enough for the ratio.
 */
const MAX_STREAM_CAPTURE_BYTES = 16 * 1024;

/** Request fields that hold prompt text, across the client APIs the proxy serves. */
const PROMPT_FIELDS = ['messages', 'system', 'input', 'instructions', 'prompt', 'tools', 'functions'] as const;
/** Keys whose string values are not text the model reads (ids, roles, images, enum flags). */
const NOT_TEXT = new Set(['role', 'type', 'id', 'tool_call_id', 'url', 'image_url', 'data', 'detail', 'format', 'media_type', 'mime_type', 'cache_control', 'encoding_format']);
/** Keys whose string values are generated text, in OpenAI chat/responses and Anthropic messages, bodies and stream events. */
const COMPLETION_KEYS = new Set(['content', 'text', 'arguments', 'partial_json', 'thinking', 'reasoning_content', 'refusal', 'output_text']);

/** Counts tokens of `text` a slice at a time, yielding to the event loop between slices. */
export async function countTokensYielding(text: string): Promise<number> {
  let total = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + SLICE_CHARS);
    // Cut at a space when there is one, so that words are not split across slices.
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space;
    }
    total += countTokens(text.slice(start, end));
    start = end;
    if (start < text.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}

/** The prompt text of a client body, and how many pre-tokenized ids and chat messages it holds. */
export function promptOf(body: Readonly<Record<string, unknown>>): { text: string; tokenIds: number; messages: number } {
  const parts: string[] = [];
  let tokenIds = 0;
  const walk = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (key === undefined || !NOT_TEXT.has(key)) parts.push(value);
    } else if (Array.isArray(value)) {
      if (value.length > 0 && value.every((v) => typeof v === 'number')) tokenIds += value.length;
      else for (const v of value) walk(v, key);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (!NOT_TEXT.has(k)) walk(v, k);
    }
  };
  for (const field of PROMPT_FIELDS) walk(body[field], undefined);
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  return { text: parts.join('\n'), tokenIds, messages };
}

/** The generated text in a response body or in stream events' JSON. */
export function completionOf(value: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown, key: string | undefined): void => {
    if (typeof v === 'string') {
      if (key !== undefined && (COMPLETION_KEYS.has(key) || key === 'delta')) parts.push(v);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, key);
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, k);
    }
  };
  walk(value, undefined);
  return parts.join('');
}

/** The capture's first buffer: a short stream's events fit in it. */
const INITIAL_CAPTURE_BYTES = 4 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * What a response delivered to the client, kept only until the request's usage is known: a whole JSON
 * body, or the first bytes of the SSE events written and the count of all. Dropped unread when the
 * upstream reported usage. A stream delivers hundreds of small events and holds the first of them for as
 * long as it runs: they are copied into one buffer that doubles as it fills, up to the cap, since a Buffer
 * of its own per event would cost more than the event.
 */
export class DeliveredCapture {
  #body: Buffer | undefined;
  #kept: Buffer = EMPTY;
  #length = 0;
  #total = 0;

  /** A whole JSON answer, kept as it is: it is in memory for the response anyway, and only whole does it parse. */
  body(bytes: Buffer): void {
    this.#body = bytes;
  }

  /** Stream events as they are written. */
  add(bytes: Buffer): void {
    this.#total += bytes.length;
    const take = Math.min(bytes.length, MAX_STREAM_CAPTURE_BYTES - this.#length);
    if (take <= 0) return;
    const needed = this.#length + take;
    if (needed > this.#kept.length) {
      let size = Math.max(this.#kept.length * 2, INITIAL_CAPTURE_BYTES);
      while (size < needed) size *= 2;
      // Not from Buffer's shared pool, whose 8 KB slab a long stream would otherwise keep alive.
      const grown = Buffer.allocUnsafeSlow(Math.min(size, MAX_STREAM_CAPTURE_BYTES));
      this.#kept.copy(grown, 0, 0, this.#length);
      this.#kept = grown;
    }
    bytes.copy(this.#kept, this.#length, 0, take);
    this.#length = needed;
  }

  /** The generated text in what was kept, and the factor by which the whole delivery exceeds it. */
  completion(): { text: string; scale: number } {
    if (this.#body) {
      try {
        return { text: completionOf(JSON.parse(this.#body.toString('utf8'))), scale: 1 };
      } catch {
        return { text: '', scale: 1 };
      }
    }
    const raw = this.#kept.toString('utf8', 0, this.#length);
    const scale = this.#length === 0 ? 1 : this.#total / this.#length;
    const parts: string[] = [];
    for (const line of raw.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '' || data === '[DONE]') continue;
      try {
        parts.push(completionOf(JSON.parse(data)));
      } catch {
        // The last event of a capped capture can be cut in two: it is in `scale` instead.
      }
    }
    return { text: parts.join(''), scale };
  }
}

/** The gateway's count of a client body's prompt tokens: its text, token ids, and the chat format's overhead. */
export async function countGatewayPrompt(body: Readonly<Record<string, unknown>>): Promise<number> {
  const prompt = promptOf(body);
  return (await countTokensYielding(prompt.text)) + prompt.tokenIds + (prompt.messages > 0 ? prompt.messages * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY : 0);
}

/** Counts the usage of a request the upstream reported none for: what was sent to it and delivered from it. */
export async function countGatewayUsage(body: Readonly<Record<string, unknown>>, delivered: DeliveredCapture): Promise<TokenUsage> {
  const promptTokens = await countGatewayPrompt(body);
  const { text, scale } = delivered.completion();
  const completionTokens = Math.round((await countTokensYielding(text)) * scale);
  return { promptTokens, completionTokens, cachedTokens: 0 };
}
