/** One Server-Sent Event. */
export interface SseEvent {
  event?: string;
  id?: string | number;
  data: string;
  retry?: number;
}

const LINE_BREAK = /[\r\n]/;

/**
 * Frames an event as `text/event-stream`. `event` and `id` must not contain line breaks (a
 * line break would let data inject fields); multi-line `data` becomes several `data:` lines.
 */
export function formatSseEvent({ event, id, data, retry }: SseEvent): string {
  let out = "";
  if (event !== undefined) {
    if (LINE_BREAK.test(event)) throw new TypeError("SSE event names cannot contain line breaks.");
    out += `event: ${event}\n`;
  }
  if (id !== undefined) {
    const text = String(id);
    if (LINE_BREAK.test(text) || text.includes("\0"))
      throw new TypeError("SSE ids cannot contain line breaks or NUL.");
    out += `id: ${text}\n`;
  }
  if (retry !== undefined) out += `retry: ${Math.max(0, Math.floor(retry))}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: keeps proxies and load balancers from closing an idle stream. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}
