import type { ServerResponse } from "node:http";
import type { EnvRecord } from "../env";
import { errorResponse } from "../route/error-response";
import { routeCoreOf } from "../route/route-request";
import { discardUnreadBody } from "./discard-unread-body";
import { sendWebResponse } from "./send-web-response";
import { serveRoute } from "./serve-route";
import { type NodeRequest, type ToWebRequestOptions, toWebRequest } from "./to-web-request";

/** Any fetch-style handler: `sb.handler(...)`, a feed's `stream`, Hono's `app.fetch`, … */
export type WebHandler = (request: Request, env?: EnvRecord) => Response | Promise<Response>;

/** A Node request handler; Express, Connect and the Next.js Pages Router all accept it. */
export type NodeHandler = (req: NodeRequest, res: ServerResponse) => Promise<void>;

/**
 * Serves a fetch-style handler from Node: request in through {@link toWebRequest}, response out
 * through {@link sendWebResponse}. Given Switchboard's own route (`sb.handler(...)`), it runs the
 * route on the Node request directly instead: the body read into one buffer, the answer written
 * with one `res.end`, no web `Request` or `Response` built (same answers, a fraction of the cost). Errors never reach `next(err)`: a body parser that ran first, or
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
  // Switchboard's own route reads the Node request directly: no web Request or Response to build.
  const route = routeCoreOf(handler);
  if (route) return serveRoute(route, options);
  return async (req, res) => {
    let response: Response | undefined;
    try {
      response = await handler(await toWebRequest(req, res, options));
    } catch (error) {
      response = errorResponse(error);
    }
    const sent = sendWebResponse(res, response);
    // While a stream runs (an SSE feed, for hours), only its reader needs to stay alive.
    response = undefined;
    await sent;
    // After the answer, so a response that streams the request body back is never cut short.
    discardUnreadBody(req);
  };
}
