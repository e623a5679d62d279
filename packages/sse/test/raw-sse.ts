/** The body of a chunked HTTP/1.1 response read off a raw socket, up to where it was cut. Test-only. */
export function dechunk(raw: string): string {
  let rest = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  let body = "";
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    if (lineEnd < 0) return body;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return body;
    const chunk = rest.slice(lineEnd + 2, lineEnd + 2 + size);
    body += chunk;
    if (chunk.length < size) return body;
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** The events a client would dispatch from `body`: only those whose blank line arrived. Test-only. */
export function completeEvents(body: string): { event: string; id: string | undefined }[] {
  return body
    .split("\n\n")
    .slice(0, -1)
    .map((block) => {
      const lines = block.split("\n");
      return {
        event: lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message",
        id: lines.find((l) => l.startsWith("id: "))?.slice(4),
      };
    });
}

/** `[from, from + 1, …, to]`. Test-only. */
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
