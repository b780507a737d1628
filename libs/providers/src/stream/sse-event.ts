/** The fields of one complete SSE event that the gateway reads. */
export interface SseMessage {
  /** The `event:` field; undefined when the event has none (then it is a `message`). */
  event: string | undefined;
  /** The `data:` lines joined by `\n`, as the SSE spec assembles them. */
  data: string;
}

/**
 * The `event` and `data` of one complete SSE event, as the SSE spec assembles them: `data:` values (one
 * leading space dropped) joined by `\n`, the last `event:` value. Comment lines and other fields are ignored.
 */
export function parseSseEvent(event: Buffer): SseMessage {
  const lines = event.toString('utf8').split(/\r\n|\n|\r/);
  let data: string | undefined;
  let name: string | undefined;
  for (const line of lines) {
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (line.startsWith('event:')) {
      name = line.charCodeAt(6) === 0x20 ? line.slice(7) : line.slice(6);
    }
  }
  return { event: name, data: data ?? '' };
}

/** The `data` of one complete SSE event (see `parseSseEvent`). */
export function eventData(event: Buffer): string {
  return parseSseEvent(event).data;
}

/** One SSE event as text: an optional `event:` line and one `data:` line (JSON never holds a raw newline). */
export function sseEvent(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}
