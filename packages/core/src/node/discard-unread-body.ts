import type { NodeRequest } from "./to-web-request";

/** How much of an unwanted body is read and dropped, so a keep-alive client can finish sending. */
const MAX_DISCARDED_BYTES = 1024 * 1024;

/** How long a client that keeps sending has to read the answer before the connection is dropped. */
const LINGER_MS = 2_000;

/**
 * The answer is sent and the request body has not all arrived (the handler refused it unread, or
 * stopped at a size limit). Destroying the socket at once, with body bytes still arriving, resets
 * the connection, and a reset makes the client's kernel throw away an answer it has received but
 * not yet read; reading the rest instead lets a client send gigabytes. So the rest is read and
 * dropped up to {@link MAX_DISCARDED_BYTES} (a client that finishes within that keeps its
 * keep-alive connection); past it, reading stops, the server's side is closed after the answer
 * (the client reads the answer, then the end), and the socket is destroyed {@link LINGER_MS}
 * later unless the client closed first: the lingering close HTTP servers such as nginx use.
 */
export function discardUnreadBody(req: NodeRequest): void {
  if (req.complete || req.readableEnded) return;
  const socket = req.socket;
  let discarded = 0;
  const onData = (chunk: { byteLength: number }) => {
    discarded += chunk.byteLength;
    if (discarded <= MAX_DISCARDED_BYTES || !socket) return;
    req.off("data", onData);
    req.pause();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref?.();
    socket.once("close", () => clearTimeout(timer));
  };
  req.on("data", onData);
  req.resume();
}
