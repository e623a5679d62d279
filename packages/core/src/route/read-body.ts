import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import { bodyAlreadyParsed, bodyParsedHelpOf, isBodyUsedError } from "./body-already-parsed";

/**
 * The default `maxBodyBytes`: 100 MiB. QStash's largest published message size is 50 MB (fixed
 * plans; pay-as-you-go 10 MB, free 1 MB), and a success or failure callback carries the original
 * body base64-encoded (×4/3) next to the response, so this never refuses a delivery QStash can
 * make on a published plan while still bounding what a forged request can make the route buffer.
 */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;

/**
 * Reads the body once, and never more than `maxBytes` of it: a `Content-Length` above the limit
 * is refused before a byte is read, and a body without one (chunked) is counted chunk by chunk
 * and cancelled at the limit, so a forged request cannot make the route buffer more than that.
 * A body something else already read is `BODY_ALREADY_PARSED`; a stream that fails is
 * `ROUTE_FAILED`; over the limit is `PAYLOAD_TOO_LARGE` (413).
 */
export async function readBoundedBody(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (request.bodyUsed) throw bodyAlreadyParsed(bodyParsedHelpOf(request));
  refuseDeclaredLength(request.headers.get("content-length"), maxBytes);
  if (!request.body) return new Uint8Array(0);
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = request.body.getReader();
  } catch (error) {
    if (isBodyUsedError(error)) throw bodyAlreadyParsed(bodyParsedHelpOf(request), error);
    throw unreadable(error);
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      throw unreadable(error);
    }
    if (next.done) break;
    length += next.value.byteLength;
    if (length > maxBytes) {
      // Stop pulling: the bridge (or the runtime) stops reading the socket.
      reader.cancel().catch(() => {});
      throw tooLarge("the body is longer", maxBytes);
    }
    chunks.push(next.value);
  }
  return concatChunks(chunks, length);
}

/** The body's chunks, `length` bytes in all, as one array (shared with the Node bridge's reader). */
export function concatChunks(chunks: readonly Uint8Array[], length: number): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** `PAYLOAD_TOO_LARGE` before a byte is read, when the `Content-Length` header is above `maxBytes`. */
export function refuseDeclaredLength(declared: string | null | undefined, maxBytes: number): void {
  if (typeof declared === "string" && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) {
    throw tooLarge(`Content-Length is ${declared}`, maxBytes);
  }
}

/** `PAYLOAD_TOO_LARGE` (413): the body is longer than `maxBodyBytes`; `what` says how it was found out. */
export function tooLarge(what: string, maxBytes: number): SwitchboardError {
  return new SwitchboardError(
    "PAYLOAD_TOO_LARGE",
    `The request body is larger than maxBodyBytes (${maxBytes} bytes): ${what}.`,
    {
      fix: "If this is a real QStash delivery (a large payload, or a callback carrying one base64-encoded), raise `maxBodyBytes` in createSwitchboard; otherwise it was not QStash, and nothing ran.",
    },
  );
}

/** `ROUTE_FAILED`: the body stream failed (the client disconnected mid-body, …). */
export function unreadable(error: unknown): SwitchboardError {
  return new SwitchboardError("ROUTE_FAILED", `Could not read the request body: ${describeThrown(error)}`, {
    cause: error,
  });
}
