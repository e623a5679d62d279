import type { ServerResponse } from "node:http";

/**
 * Writes a web `Response` to a Node response: status, headers (each `Set-Cookie` kept separate)
 * and the body, streamed chunk by chunk. Headers are flushed at once, so a Server-Sent Events
 * stream starts before its first event; writes wait for `drain` (backpressure); when the client
 * disconnects, reading stops and the body stream is cancelled, so its producer can clean up; when
 * the body errors, even while a write waits for `drain`, the connection is dropped.
 * Resolves when the response is finished or the client is gone; rejects only when headers were
 * already sent (a second answer to one request is a bug in the caller).
 *
 * @example
 * ```ts
 * import express from "express";
 * import { sendWebResponse } from "@switchboard/core/node";
 *
 * const app = express();
 * app.get("/hello", async (_req, res) => {
 *   await sendWebResponse(res, Response.json({ hello: "world" }, { headers: { "Set-Cookie": "a=1" } }));
 * });
 * ```
 */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  if (res.headersSent) throw new Error("sendWebResponse: the response headers were already sent.");
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);

  if (!response.body || res.req?.method === "HEAD") {
    await response.body?.cancel().catch(() => {});
    res.end();
    return;
  }
  // A body of known, modest length (JSON answers): one write, headers and body in one packet.
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isInteger(length) && length <= 1_048_576) {
    res.end(new Uint8Array(await response.arrayBuffer()));
    return;
  }
  res.flushHeaders();
  // Not awaited here: while a stream runs (an SSE feed, for hours) nothing keeps the `Response`
  // and its headers alive, only the reader.
  return pipeBody(res, response.body.getReader());
}

/** Streams the body chunk by chunk: backpressure, cancel on disconnect, destroy on error. */
async function pipeBody(res: ServerResponse, reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const onClose = () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  };
  res.once("close", onClose);
  // A body that errors while the bridge waits for `drain` (an SSE stream cutting off a client
  // that stopped reading) drops the connection now, not at a drain that may never come.
  reader.closed.catch(() => res.destroy());
  try {
    while (!res.destroyed) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      // Compression middleware buffers until told to flush; SSE must not wait for it.
      (res as ServerResponse & { flush?: () => void }).flush?.();
    }
    // Gone before the first read, `close` has already fired: cancel here instead.
    if (res.destroyed) reader.cancel().catch(() => {});
    else res.end();
  } catch {
    // The body stream errored mid-way: the status is already sent, so cut the connection short
    // rather than end it cleanly and let the client take a truncated body for a whole one.
    res.destroy();
    reader.cancel().catch(() => {});
  } finally {
    res.off("close", onClose);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
