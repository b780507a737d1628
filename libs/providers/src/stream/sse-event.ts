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

const EVENT_FIELD = Buffer.from('event:');
const DATA_FIELD = Buffer.from('data:');

/**
 * The `event:` name of an event whose first line names it, without decoding the rest; undefined otherwise.
 * The providers whose events have names put that line first.
 */
export function leadingEventName(event: Buffer): string | undefined {
  if (!event.subarray(0, EVENT_FIELD.length).equals(EVENT_FIELD)) return undefined;
  let end = event.indexOf(0x0a);
  if (end < 0) end = event.length;
  if (event[end - 1] === 0x0d) end -= 1;
  return event.toString('latin1', EVENT_FIELD.length, end).trim();
}

/** Whether the event's first `data:` value starts with `prefix` (one leading space skipped), without decoding it. */
export function dataStartsWith(event: Buffer, prefix: string): boolean {
  // The first `data:` field: at the event's start or a line's.
  let at = event.indexOf(DATA_FIELD);
  while (at > 0 && event[at - 1] !== 0x0a && event[at - 1] !== 0x0d) at = event.indexOf(DATA_FIELD, at + 1);
  if (at < 0) return false;
  at += DATA_FIELD.length;
  if (event[at] === 0x20) at += 1;
  return event.toString('latin1', at, at + prefix.length) === prefix;
}
