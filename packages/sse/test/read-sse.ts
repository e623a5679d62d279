/** A parsed Server-Sent Event, or a comment. Test-only helper. */
export interface ParsedEvent {
  event: string;
  id: string | undefined;
  data: string;
  retry?: string;
  comment?: string;
}

/**
 * Reads a `text/event-stream` body until `until(events)` is true or the stream ends. It sets no
 * timer of its own: a stream that never delivers fails the test at vitest's test timeout, so
 * nothing here depends on how fast the machine is. Test-only.
 */
export async function readSse(
  response: Response,
  until: (events: ParsedEvent[]) => boolean,
): Promise<{ events: ParsedEvent[]; ended: boolean }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: ParsedEvent[] = [];
  let buffer = "";
  try {
    while (!until(events)) {
      const chunk = await reader.read();
      if (chunk.done) return { events, ended: true };
      buffer += decoder.decode(chunk.value, { stream: true });
      let boundary = buffer.indexOf("\n\n");
      while (boundary >= 0) {
        events.push(parseBlock(buffer.slice(0, boundary)));
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf("\n\n");
      }
    }
    return { events, ended: false };
  } finally {
    reader.releaseLock();
  }
}

function parseBlock(block: string): ParsedEvent {
  const event: ParsedEvent = { event: "message", id: undefined, data: "" };
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) event.comment = line.slice(1).trim();
    else if (line.startsWith("event: ")) event.event = line.slice(7);
    else if (line.startsWith("id: ")) event.id = line.slice(4);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
    else if (line.startsWith("retry: ")) event.retry = line.slice(7);
  }
  event.data = data.join("\n");
  if (event.comment !== undefined && data.length === 0) event.event = "comment";
  return event;
}
