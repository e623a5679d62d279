import { connect } from "node:net";
import { condition } from "./until";

/** The body of a chunked HTTP/1.1 response read off a raw socket, up to where it was cut. Test-only. */
function dechunk(raw: string): string {
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
function completeEvents(body: string): { event: string; id: string | undefined }[] {
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

/**
 * A client on a raw socket that sends `GET /stream` with `headers` (CRLF-ended lines), reads until
 * the stream's first `unread` event, then stops reading, so the kernel's buffers fill and then
 * the server's. `readRest` reads what reached it until the server drops the connection, and
 * returns the notification ids it got and the last event id it could resume from. Test-only.
 */
export async function stalledSseClient(port: number, headers: string) {
  const socket = connect(port, "127.0.0.1");
  const received: Buffer[] = [];
  const data = condition();
  socket.on("data", (chunk: Buffer) => {
    received.push(chunk);
    data.changed();
  });
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(`GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`);
  await data.until(() => Buffer.concat(received).includes("event: unread"));
  socket.pause();
  return {
    async readRest(): Promise<{ ids: number[]; lastEventId: string }> {
      socket.resume();
      await ended;
      const events = completeEvents(dechunk(Buffer.concat(received).toString("latin1")));
      return {
        ids: events.filter((e) => e.event === "notification").map((e) => Number(e.id?.split(":").at(-1))),
        lastEventId: events.filter((e) => e.id !== undefined).at(-1)!.id!,
      };
    },
  };
}
