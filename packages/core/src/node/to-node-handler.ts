import type { ServerResponse } from "node:http";
import type { EnvRecord } from "../env";
import { errorResponse } from "../error-response";
import { sendWebResponse } from "./send-web-response";
import { type NodeRequest, type ToWebRequestOptions, toWebRequest } from "./to-web-request";

/** Any fetch-style handler: `sb.handler(...)`, a feed's `stream`, Hono's `app.fetch`, … */
export type WebHandler = (request: Request, env?: EnvRecord) => Response | Promise<Response>;

/** A Node request handler; Express, Connect and the Next.js Pages Router all accept it. */
export type NodeHandler = (req: NodeRequest, res: ServerResponse) => Promise<void>;

/**
 * Serves a fetch-style handler from Node: request in through {@link toWebRequest}, response out
 * through {@link sendWebResponse}. Errors never reach `next(err)`: a body parser that ran first, or
 * a handler that throws, is answered by Switchboard's JSON error response (500 with a message).
 *
 * @example
 * ```ts
 * import express from "express";
 * import { toNodeHandler } from "@switchboard/core/express";
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
  };
}
