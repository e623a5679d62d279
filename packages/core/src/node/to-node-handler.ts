import type { ServerResponse } from "node:http";
import type { EnvRecord } from "../env";
import { errorResponse } from "../route/error-response";
import { sendWebResponse } from "./send-web-response";
import { type NodeRequest, type ToWebRequestOptions, toWebRequest } from "./to-web-request";

/** Any fetch-style handler: `sb.handler(...)`, a feed's `stream`, Hono's `app.fetch`, … */
export type WebHandler = (request: Request, env?: EnvRecord) => Response | Promise<Response>;

/** A Node request handler; Express, Connect and the Next.js Pages Router all accept it. */
export type NodeHandler = (req: NodeRequest, res: ServerResponse) => Promise<void>;

/**
 * Serves a fetch-style handler from Node: request in through {@link toWebRequest}, response out
 * through {@link sendWebResponse}. Errors never reach `next(err)`: a body parser that ran first, or
 * a handler that throws, is answered by Switchboard's JSON error response (500 with a message;
 * 400 `BAD_REQUEST` for a URL or `Host` that cannot be parsed). When the answer is ready before
 * the request body was all received (the handler refused it unread, or stopped at a size
 * limit), at most 1 MiB more of it is read and dropped; then the connection is closed after the
 * answer, so the client receives the answer rather than a reset, and the rest is never read.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { toNodeHandler } from "@switchboard/core/node";
 * import { feed } from "./feed";
 *
 * const app = express();
 * app.get("/api/notifications/stream", toNodeHandler((request) => feed.stream(request, { recipient: "u1" })));
 * ```
 */
export function toNodeHandler(handler: WebHandler, options: ToWebRequestOptions = {}): NodeHandler {
  return async (req, res) => {
    let response: Response;
    try {
      response = await handler(await toWebRequest(req, res, options));
    } catch (error) {
      response = errorResponse(error);
    }
    await sendWebResponse(res, response);
    // After the answer, so a response that streams the request body back is never cut short.
    discardUnreadBody(req);
  };
}

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
function discardUnreadBody(req: NodeRequest): void {
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
