/**
 * The `data` of one complete SSE event, as the SSE spec assembles it: the values of its `data:` lines
 * (one leading space dropped) joined by `\n`. Comment lines and other fields are ignored.
 */
export function eventData(event: Buffer): string {
  const lines = event.toString('utf8').split(/\r\n|\n|\r/);
  let data: string | undefined;
  for (const line of lines) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data ?? '';
}
