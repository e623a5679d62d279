import type { EnvRecord } from "../env";
import type { SwitchboardError } from "../errors/switchboard-error";
import { bodyAlreadyParsed, bodyParsedHelpOf } from "./body-already-parsed";
import { readBoundedBody } from "./read-body";

/**
 * A delivery as the route reads it, whatever carried it: a fetch `Request` (Hono, the App Router,
 * `sb.handler`), or a Node request read directly (Express, the Pages Router), so the Node path
 * never builds a web `Request` the route does not need. Internal.
 */
export interface RouteRequest {
  readonly method: string;
  /** One header, by name in any case; several of the same name joined with ", ". */
  header(name: string): string | null;
  /** The request URL's query: it names the target. */
  searchParams(): URLSearchParams;
  /** `BODY_ALREADY_PARSED` (with the framework's fix) when something consumed the body first. */
  bodyParsed(): SwitchboardError | undefined;
  /**
   * The raw body, read once and at most `maxBytes` of it (`PAYLOAD_TOO_LARGE` above, by
   * `Content-Length` before a byte is read or by counting), `ROUTE_FAILED` when it cannot be read.
   */
  readBody(maxBytes: number): Promise<Uint8Array<ArrayBuffer>>;
  /** Every header, for the handler's `ctx.headers`. The Node path builds it on first use. */
  readonly headers: Headers;
  /** Aborted when the client disconnects, for `ctx.signal`. The Node path builds it on first use. */
  readonly signal: AbortSignal;
  /** The web `Request`, for the `context` factory. The Node path builds it (without a body) on first use. */
  toRequest(): Request;
}

/** The route's answer, before it becomes a `Response` or is written to a Node response. Internal. */
export interface RouteAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
}

/** The route's core: a delivery in, an answer out. Never throws. Internal. */
export type RouteCore = (request: RouteRequest, env?: EnvRecord) => Promise<RouteAnswer>;

/** A fetch `Request` as a {@link RouteRequest}. */
export function fromFetchRequest(request: Request): RouteRequest {
  return {
    method: request.method,
    header: (name) => request.headers.get(name),
    searchParams: () => new URL(request.url).searchParams,
    bodyParsed: () => (request.bodyUsed ? bodyAlreadyParsed(bodyParsedHelpOf(request)) : undefined),
    readBody: (maxBytes) => readBoundedBody(request, maxBytes),
    headers: request.headers,
    signal: request.signal,
    toRequest: () => request,
  };
}

/** A {@link RouteAnswer} as a fetch `Response`. */
export function toFetchResponse(answer: RouteAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** A fetch `Response` (from code that speaks fetch, such as the workflow SDK) as a {@link RouteAnswer}. */
export async function fromFetchResponse(response: Response): Promise<RouteAnswer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : null;
  return { status: response.status, headers, body };
}

// `Symbol.for`: the core and the Node bridge are separate bundles (`.` and `./node`), each with
// its own copy of this module, and both must find the same key.
const ROUTE_CORE = Symbol.for("@switchboard/core.route-core");

/**
 * Attaches the route's core to the fetch handler built around it, so the Node bridge can serve
 * the route from a Node request directly (see `toNodeHandler`) instead of through a `Request`.
 */
export function withRouteCore<T extends object>(handler: T, core: RouteCore): T {
  Object.defineProperty(handler, ROUTE_CORE, { value: core });
  return handler;
}

/** The core {@link withRouteCore} attached to `handler`, if it is a Switchboard route. */
export function routeCoreOf(handler: unknown): RouteCore | undefined {
  if (typeof handler !== "function") return undefined;
  const core = (handler as { [ROUTE_CORE]?: unknown })[ROUTE_CORE];
  return typeof core === "function" ? (core as RouteCore) : undefined;
}
