import type { IncomingMessage } from "node:http";
import { concatChunks, refuseDeclaredLength, tooLarge, unreadable } from "../route/read-body";

const encoder = new TextEncoder();

/**
 * Reads a Node request's body into one byte array, never more than `maxBytes` of it: a
 * `Content-Length` above the limit is refused before a byte is read, and past the limit by count
 * reading stops (the socket is paused; `discardUnreadBody` deals with the rest after the answer).
 * `PAYLOAD_TOO_LARGE` over the limit, `ROUTE_FAILED` when the client disconnects mid-body or the
 * stream errors. The Node twin of `readBoundedBody`, without a web stream in between.
 */
export function readNodeBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  refuseDeclaredLength(req.headers["content-length"], maxBytes);
  return new Promise((resolve, reject) => {
    if (req.destroyed) return reject(disconnected());
    const chunks: Uint8Array[] = [];
    let length = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
      length += bytes.byteLength;
      if (length > maxBytes) {
        stop();
        req.pause();
        reject(tooLarge("the body is longer", maxBytes));
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      stop();
      resolve(concatChunks(chunks, length));
    };
    const onError = (error: unknown) => {
      stop();
      reject(unreadable(error));
    };
    const onClose = () => {
      if (req.complete) return; // `end` follows with the last bytes
      stop();
      reject(disconnected());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    req.resume();
  });
}

function disconnected() {
  return unreadable(new Error("The client disconnected mid-body."));
}
