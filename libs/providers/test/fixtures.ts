import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment, ProviderKind } from '@aigw/contracts';
import { SseFramer } from '../src/stream/sse-framer';

/** A fixture file of an adapter folder, e.g. `fixture('anthropic', 'message-text.json')`. */
export function fixture(folder: string, name: string): Buffer {
  return readFileSync(join(__dirname, '..', 'src', folder, '__fixtures__', name));
}

/** A stream transcript cut into its complete SSE events, as the proxy's framer yields them. */
export function sseEvents(transcript: Buffer | string): Buffer[] {
  const framer = new SseFramer();
  const { events } = framer.push(Buffer.from(transcript));
  if (framer.heldBytes > 0) throw new Error('the transcript ends inside an event');
  return events;
}

/** A deployment of `kind` for tests. */
export function deploymentOf(kind: ProviderKind, over: Partial<Deployment> = {}): Deployment {
  return { id: `${kind}-dep`, provider: `${kind}-provider`, kind, baseUrl: 'https://upstream.example/v1', model: `${kind}-model`, ...over };
}

/** The parsed `data` of every `data:` event of client SSE text, `[DONE]` kept as a string. */
export function dataOf(sse: string): unknown[] {
  return sse
    .split('\n\n')
    .filter((e) => e.trim() !== '')
    .map((e) => {
      const data = e
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

/** The `event:` names of client SSE text, in order. */
export function namesOf(sse: string): Array<string | undefined> {
  return sse
    .split('\n\n')
    .filter((e) => e.trim() !== '')
    .map((e) => /^event: (.*)$/m.exec(e)?.[1]);
}
