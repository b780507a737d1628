import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake upstream received. */
export interface UpstreamRequest {
  path: string;
  authorization: string | undefined;
  /** Anthropic's credential header. */
  apiKey: string | undefined;
  body: Record<string, unknown>;
  /** `performance.now()` when the proxy's connection for it closed early (the proxy aborted it). */
  abortedAt?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null, includeUsage = false): string {
  const body = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

function usageChunk(model: string): string {
  const body = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [],
    usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14, prompt_tokens_details: { cached_tokens: 2 } },
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/**
 * An OpenAI-like upstream for the tests. What it does depends on the (upstream) model it is asked for:
 * - `up-ok`: a normal answer ("Hello there"), JSON or SSE, with usage;
 * - `up-gated`: SSE that stops after the first content chunk until `releaseGate()` (or 2 s);
 * - `up-500`: HTTP 500 with OpenAI's error body;  `up-400`: HTTP 400 with OpenAI's error body;
 * - `up-cut`: SSE that breaks its connection after two chunks;
 * - `up-slow`: SSE with one chunk every 10 ms, 100 of them;
 * - `up-flood`: SSE of `FLOOD_EVENTS` chunks of 1,000 characters, written as fast as the connection takes
 *   them (each write waits for drain when the socket is full); `floodWritten` counts the bytes written;
 * - `up-embed`: an embeddings list;
 * - `up-hang`: never answers;
 * - `up-malformed`: a non-stream 200 whose JSON body is cut off;
 * - `up-half-event`, `up-no-done`, `up-error-event`: SSE that, after "Hello", ends cleanly in the middle of an
 *   event, without `data: [DONE]`, or with OpenAI's in-band error event;
 * - on `/messages/count_tokens` (Anthropic's path): `{"input_tokens": 42}`, or for `up-401` Anthropic's 401;
 *   on `/responses/input_tokens` (OpenAI's): `{"object": "response.input_tokens", "input_tokens": 42}`.
 */
/** Chunks of the `up-flood` stream: some 60 MB of them. */
export const FLOOD_EVENTS = 50_000;

export class FakeUpstream {
  readonly requests: UpstreamRequest[] = [];
  /** Bytes the `up-flood` stream has written so far. */
  floodWritten = 0;
  /** Who let the gated stream go on: the test (its client saw the first chunk) or the 2 s fallback. */
  gateReleasedBy?: 'client' | 'timeout';
  #server: Server;
  #releaseGate?: () => void;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  releaseGate(): void {
    this.gateReleasedBy ??= 'client';
    this.#releaseGate?.();
  }

  requestsFor(model: string): UpstreamRequest[] {
    return this.requests.filter((r) => r.body.model === model);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    const apiKey = req.headers['x-api-key'];
    const record: UpstreamRequest = { path: req.url ?? '', authorization: req.headers.authorization, apiKey: typeof apiKey === 'string' ? apiKey : undefined, body };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.abortedAt = performance.now();
    });
    const model = String(body.model);
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;

    if (model === 'up-hang') return;
    if (req.url?.endsWith('/responses/input_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'response.input_tokens', input_tokens: 42 }));
      return;
    }
    if (req.url?.endsWith('/messages/count_tokens')) {
      const [status, answer] =
        model === 'up-401'
          ? [401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }]
          : [200, { input_tokens: 42 }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    if (model === 'up-500' || model === 'up-400') {
      const status = model === 'up-500' ? 500 : 400;
      const error =
        status === 500
          ? { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null }
          : { message: "Invalid value for 'temperature': must be <= 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
      return;
    }
    if (req.url?.endsWith('/embeddings')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }],
          model,
          usage: { prompt_tokens: 7, total_tokens: 7 },
        }),
      );
      return;
    }
    if (model === 'up-malformed' && body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"chatcmpl-test","object":"chat.completion","choi');
      return;
    }
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-test',
          object: 'chat.completion',
          created: 1_700_000_000,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: `Hello there from ${model}`, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 3 } },
        }),
      );
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (text: string) => res.write(text);
    send(chunk(model, { role: 'assistant', content: '' }, null, includeUsage));
    send(chunk(model, { content: 'Hello' }, null, includeUsage));
    if (model === 'up-gated') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.gateReleasedBy ??= 'timeout';
          resolve();
        }, 2_000);
        this.#releaseGate = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (model === 'up-cut') {
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    if (model === 'up-half-event') {
      // A clean end of the response, in the middle of an event.
      res.end('data: {"id":"chatcmpl-test","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" th');
      return;
    }
    if (model === 'up-no-done') {
      send(chunk(model, {}, 'stop', includeUsage));
      res.end();
      return;
    }
    if (model === 'up-error-event') {
      res.end('data: {"error":{"message":"The model is overloaded.","type":"server_error","param":null,"code":null}}\n\n');
      return;
    }
    if (model === 'up-flood') {
      const event = chunk(model, { content: 'x'.repeat(1_000) }, null, includeUsage);
      this.floodWritten = 0;
      for (let i = 0; i < FLOOD_EVENTS && !res.destroyed; i += 1) {
        this.floodWritten += event.length;
        if (!send(event)) await new Promise((resolve) => res.once('drain', resolve));
      }
    }
    if (model === 'up-slow') {
      for (let i = 0; i < 100 && !res.destroyed; i += 1) {
        await sleep(10);
        send(chunk(model, { content: ` ${i}` }, null, includeUsage));
      }
    }
    send(chunk(model, { content: ' there' }, null, includeUsage));
    send(chunk(model, {}, 'stop', includeUsage));
    if (includeUsage) send(usageChunk(model));
    res.end('data: [DONE]\n\n');
  }
}
