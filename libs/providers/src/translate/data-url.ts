/** A `data:` URL taken apart: https://www.rfc-editor.org/rfc/rfc2397 (base64 only, as the APIs send them). */
export interface DataUrl {
  mediaType: string;
  /** Base64 text. */
  data: string;
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)(?:;[\w-]+=[^;,]*)*;base64,(.*)$/s;

export function parseDataUrl(url: string): DataUrl | undefined {
  const match = DATA_URL.exec(url);
  return match ? { mediaType: match[1]!.toLowerCase(), data: match[2]! } : undefined;
}

export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
