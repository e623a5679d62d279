import type { IncomingMessage, ServerResponse } from "node:http";
import { bodyAlreadyParsed, markBodyParsed } from "../body-already-parsed";

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
 * Turns a Node request into a web `Request` whose body is the exact bytes the client sent, read
 * from the stream once (never re-serialized, so a signature over them still verifies). The
 * request's `signal` aborts when the client disconnects before `res` is finished.
 * Throws `BODY_ALREADY_PARSED` when a body parser consumed the stream first.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { sendWebResponse, toWebRequest } from "@switchboard/core/express";
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
  if (hasBody && (req.body !== undefined || req._body === true || req.readableEnded || req.readableDidRead)) {
    if (!options.forwardParsedBody) throw bodyAlreadyParsed(options.bodyParsedHelp);
    const consumed = new Request(requestUrl(req), {
      method,
      headers: toHeaders(req),
      body: new Uint8Array(0),
      signal: controller.signal,
    });
    await consumed.arrayBuffer();
    return markBodyParsed(consumed, options.bodyParsedHelp);
  }
  return new Request(requestUrl(req), {
    method,
    headers: toHeaders(req),
    body: hasBody ? await readBody(req) : null,
    signal: controller.signal,
  });
}

function requestUrl(req: NodeRequest): string {
  const forwarded = firstValue(req.headers["x-forwarded-proto"])?.split(",")[0]?.trim();
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const protocol = forwarded === "https" || forwarded === "http" ? forwarded : encrypted ? "https" : "http";
  const host = firstValue(req.headers.host) ?? firstValue(req.headers[":authority"]) ?? "localhost";
  const path = req.originalUrl ?? req.url ?? "/";
  // `new URL(path, base)` would treat a path starting with `//` as a host; prefix instead.
  return new URL(`${protocol}://${host}${path.startsWith("/") ? path : `/${path}`}`).href;
}

function toHeaders(req: IncomingMessage): Headers {
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

/** Reads the whole stream as bytes. Chunks are Buffers (Uint8Arrays) unless someone set an encoding. */
function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let length = 0;
    req.on("data", (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.byteLength;
    });
    req.once("error", reject);
    req.once("end", () => {
      const body = new Uint8Array(length);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(body);
    });
  });
}
