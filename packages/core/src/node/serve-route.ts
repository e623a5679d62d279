import type { ServerResponse } from "node:http";
import type { SwitchboardError } from "../errors/switchboard-error";
import { bodyAlreadyParsed } from "../route/body-already-parsed";
import { errorAnswer } from "../route/error-response";
import type { RouteAnswer, RouteCore, RouteRequest } from "../route/route-request";
import { discardUnreadBody } from "./discard-unread-body";
import { readNodeBody } from "./read-node-body";
import type { NodeHandler } from "./to-node-handler";
import {
  bodyConsumed,
  type NodeRequest,
  requestUrl,
  type ToWebRequestOptions,
  toHeaders,
} from "./to-web-request";

/**
 * Serves Switchboard's route straight from Node: the route reads the Node request (headers, the
 * query, the body into one buffer) and its answer is written with one `res.end`, with no web
 * `Request`, body stream or `Response` in between. Behaves as the generic bridge does around the
 * same route: 400 for a URL that cannot be built, `BODY_ALREADY_PARSED` (forwarded to the route,
 * which logs it, with `forwardParsedBody`), the lingering close of an unread body, and `ctx.signal`
 * aborting when the client disconnects.
 */
export function serveRoute(core: RouteCore, options: ToWebRequestOptions = {}): NodeHandler {
  return async (req, res) => {
    let answer: RouteAnswer;
    try {
      const url = requestUrl(req);
      const method = req.method ?? "GET";
      const parsed =
        method !== "GET" && method !== "HEAD" && bodyConsumed(req)
          ? bodyAlreadyParsed(options.bodyParsedHelp)
          : undefined;
      if (parsed && !options.forwardParsedBody) throw parsed;
      answer = await core(nodeRouteRequest(req, res, url, parsed));
    } catch (error) {
      answer = errorAnswer(error);
    }
    writeAnswer(res, answer);
    discardUnreadBody(req);
  };
}

/** A Node request as the route reads it; `Headers`, the signal and a `Request` only when asked for. */
function nodeRouteRequest(
  req: NodeRequest,
  res: ServerResponse,
  url: URL,
  parsed: SwitchboardError | undefined,
): RouteRequest {
  const method = req.method ?? "GET";
  let headers: Headers | undefined;
  let controller: AbortController | undefined;
  let request: Request | undefined;
  const routeRequest: RouteRequest = {
    method,
    header(name) {
      const value = req.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
    searchParams: () => url.searchParams,
    bodyParsed: () => parsed,
    readBody: (maxBytes) => readNodeBody(req, maxBytes),
    get headers() {
      headers ??= toHeaders(req);
      return headers;
    },
    get signal() {
      if (!controller) controller = abortOnDisconnect(req, res);
      return controller.signal;
    },
    toRequest() {
      // The body is the route's: read already (or being read), as on the fetch path.
      request ??= new Request(url.href, {
        method,
        headers: routeRequest.headers,
        signal: routeRequest.signal,
      });
      return request;
    },
  };
  return routeRequest;
}

/** Aborts when the client disconnects before `res` is finished; at once if it already has. */
function abortOnDisconnect(req: NodeRequest, res: ServerResponse): AbortController {
  const controller = new AbortController();
  if (res.writableFinished) return controller;
  if (res.destroyed || req.socket?.destroyed) {
    controller.abort();
    return controller;
  }
  // `res` closes when the answer is sent or the socket dies; only the latter is an abort.
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller;
}

/** The answer in one write: status, headers and body. */
function writeAnswer(res: ServerResponse, answer: RouteAnswer): void {
  if (res.headersSent) throw new Error("serveRoute: the response headers were already sent.");
  res.writeHead(answer.status, answer.headers);
  if (answer.body && res.req?.method !== "HEAD") res.end(answer.body);
  else res.end();
}
