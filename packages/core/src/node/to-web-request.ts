import type { IncomingMessage, ServerResponse } from "node:http";
import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import { bodyAlreadyParsed, markBodyParsed } from "../route/body-already-parsed";

/** A Node request as frameworks hand it over: Express adds `originalUrl`, body parsers add `body`. */
export type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown; _body?: unknown };

/** Options for {@link toWebRequest}. */
export interface ToWebRequestOptions {
  /**
   * Appended to the `BODY_ALREADY_PARSED` message: how to keep a body parser off this route in the
   * caller's framework.
   */
  bodyParsedHelp?: string;
  /**
   * Instead of throwing `BODY_ALREADY_PARSED`, return a `Request` whose body is already used, so
   * a route that checks `request.bodyUsed` (Switchboard's does) answers and logs it itself.
   * @default false
   */
  forwardParsedBody?: boolean;
}

/**
 * Turns a Node request into a web `Request` whose body is the exact bytes the client sent (never
 * re-serialized, so a signature over them still verifies), streamed: nothing is read from the
 * socket until the handler reads the body, and only as fast as it does, so the bridge never
 * buffers a body however large; a handler that stops reading (Switchboard's route at
 * `maxBodyBytes`) stops the socket being read. The request's `signal` aborts when the client
 * disconnects before `res` is finished. Throws `BODY_ALREADY_PARSED` when a body parser consumed
 * the stream first, and `BAD_REQUEST` (400) when the URL cannot be built from the request line
 * and `Host` header.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { sendWebResponse, toWebRequest } from "@switchboard/core/node";
 *
 * createServer(async (req, res) => {
 *   const request = await toWebRequest(req, res);
 *   await sendWebResponse(res, new Response(`you sent ${(await request.arrayBuffer()).byteLength} bytes`));
 * }).listen(3000);
 * ```
 */
export async function toWebRequest(
  req: NodeRequest,
  res?: ServerResponse,
  options: ToWebRequestOptions = {},
): Promise<Request> {
  const method = req.method ?? "GET";
  const controller = new AbortController();
  if (res && !res.writableFinished) {
    // `res` closes when the answer is sent or the socket dies; only the latter is an abort.
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
  }
  const hasBody = method !== "GET" && method !== "HEAD";
  if (hasBody && bodyConsumed(req)) {
    if (!options.forwardParsedBody) throw bodyAlreadyParsed(options.bodyParsedHelp);
    const consumed = buildRequest(requestUrl(req).href, {
      method,
      headers: toHeaders(req),
      body: new Uint8Array(0),
      signal: controller.signal,
    });
    await consumed.arrayBuffer();
    return markBodyParsed(consumed, options.bodyParsedHelp);
  }
  return buildRequest(requestUrl(req).href, {
    method,
    headers: toHeaders(req),
    body: hasBody ? bodyStream(req) : null,
    signal: controller.signal,
    duplex: "half",
  } as RequestInit);
}

/** Something (a body parser) read the body before the bridge: `req.body` set, or the stream read. */
export function bodyConsumed(req: NodeRequest): boolean {
  return req.body !== undefined || req._body === true || req.readableEnded || req.readableDidRead;
}

/** `new Request`, where a URL it refuses (credentials in `Host`) is the client's fault: 400. */
function buildRequest(url: string, init: RequestInit): Request {
  try {
    return new Request(url, init);
  } catch (error) {
    throw badRequest(`the request URL ${JSON.stringify(url)} is not usable: ${describeThrown(error)}`, error);
  }
}

function badRequest(what: string, cause: unknown): SwitchboardError {
  return new SwitchboardError("BAD_REQUEST", `Malformed request: ${what}.`, { cause });
}

/** The request's URL, from the request line, `Host` and `X-Forwarded-Proto`; `BAD_REQUEST` when they make none. */
export function requestUrl(req: NodeRequest): URL {
  const forwarded = firstValue(req.headers["x-forwarded-proto"])?.split(",")[0]?.trim();
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const protocol = forwarded === "https" || forwarded === "http" ? forwarded : encrypted ? "https" : "http";
  const host = firstValue(req.headers.host) ?? firstValue(req.headers[":authority"]) ?? "localhost";
  const path = req.originalUrl ?? req.url ?? "/";
  // `new URL(path, base)` would treat a path starting with `//` as a host; prefix instead.
  const href = `${protocol}://${host}${path.startsWith("/") ? path : `/${path}`}`;
  try {
    return new URL(href);
  } catch (error) {
    throw badRequest(`the Host header ${JSON.stringify(host)} and path do not make a URL`, error);
  }
}

/** The request's headers as `Headers` (HTTP/2 pseudo-headers left out). */
export function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (`:path`, …) are not valid header names for `Headers`.
    if (value === undefined || name.startsWith(":")) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const encoder = new TextEncoder();

/**
 * The Node request's body as a web stream that reads the socket only when pulled: the first
 * pull starts reading, a full queue (64 KiB) pauses it, and a cancel stops it for good. Chunks
 * are Buffers (Uint8Arrays) unless someone set an encoding.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let started = false;
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (started) {
          req.resume();
          return;
        }
        started = true;
        const settle = (finish: () => void) => {
          if (settled) return;
          settled = true;
          finish();
        };
        req.on("data", (chunk: Uint8Array | string) => {
          if (settled) return;
          controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : new Uint8Array(chunk));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => settle(() => controller.close()));
        req.once("error", (error) => settle(() => controller.error(error)));
        req.once("close", () => {
          if (!req.complete) settle(() => controller.error(new Error("The client disconnected mid-body.")));
        });
      },
      cancel() {
        settled = true;
        req.pause();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}
