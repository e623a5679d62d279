import { connect } from "node:net";

/** What {@link sendOverSocket} sends. */
export interface SocketRequest {
  /** Request target as written on the request line, e.g. `/api/switchboard?job=echo`. */
  path: string;
  /** Headers as written, in order. `Host` defaults to the server's address. */
  headers?: Record<string, string>;
  /** Bytes of body to send, generated 64 KiB at a time (never held in memory at once). */
  bodyBytes?: number;
  /** `content-length` announces the size; `chunked` does not, so only counting can stop it. */
  framing?: "content-length" | "chunked";
  /** Give up after this long. @default 15_000 */
  timeoutMs?: number;
  /**
   * Keep sending after the answer arrived, until the body is sent or the server closes the
   * connection: shows whether the server cuts off a body it does not want.
   * @default false
   */
  keepWriting?: boolean;
  /**
   * Read nothing until this long after connecting, as a client busy writing does: the answer
   * must still be there to read (a server that resets the connection loses it).
   * @default 0
   */
  readAfterMs?: number;
}

/** The answer, and how much of the body the server let the client write. */
export interface SocketResponse {
  /** 0 when no complete status line arrived (the connection died first). */
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * Body and header bytes the client wrote before the answer arrived, or before the connection
   * closed with `keepWriting` (an upper bound on what the server read).
   */
  bytesWritten: number;
  /** The server closed the connection (before the client gave up or finished). */
  closedByServer: boolean;
}

const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

/**
 * Sends one HTTP/1.1 request over a raw socket, with backpressure, and stops writing as soon as
 * the answer is complete: how a test shows a server answered a large body without reading it.
 * `fetch` cannot do this (it would write the whole body, or fail when the server stops reading).
 *
 * @example
 * ```ts
 * import { sendOverSocket } from "@switchboard/test-utils";
 *
 * const answer = await sendOverSocket("http://127.0.0.1:3000", { path: "/upload", bodyBytes: 64 << 20 });
 * expect(answer.status).toBe(413);
 * ```
 */
export function sendOverSocket(origin: string, request: SocketRequest): Promise<SocketResponse> {
  const { hostname, port } = new URL(origin);
  const total = request.bodyBytes ?? 0;
  const chunked = request.framing === "chunked";
  const headers: Record<string, string> = { Host: `${hostname}:${port}`, ...request.headers };
  if (chunked) headers["Transfer-Encoding"] = "chunked";
  else headers["Content-Length"] ??= String(total);
  const head = `POST ${request.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}\r\n`;

  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answer: ReturnType<typeof parseResponse>;
    let writtenAtAnswer = 0;
    let sent = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const response = answer ?? parseResponse(received) ?? empty();
      const { complete: _, ...rest } = response;
      resolve({
        ...rest,
        bytesWritten: request.keepWriting || !answer ? socket.bytesWritten : writtenAtAnswer,
        closedByServer: socket.destroyed,
      });
      socket.destroy();
    };
    const timer = setTimeout(finish, request.timeoutMs ?? 15_000);
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const response = answer ? undefined : parseResponse(received);
      if (response?.complete) {
        answer = response;
        writtenAtAnswer = socket.bytesWritten;
        if (!request.keepWriting) finish();
      }
    });
    // An error (a reset) closes the socket next: settle there, after any data that came first.
    socket.on("error", () => {});
    socket.on("close", finish);
    socket.once("connect", async () => {
      if (request.readAfterMs) {
        socket.pause();
        setTimeout(() => socket.resume(), request.readAfterMs).unref();
      }
      socket.write(head);
      while (sent < total && !settled && !socket.destroyed) {
        const size = Math.min(CHUNK.byteLength, total - sent);
        const piece = CHUNK.subarray(0, size);
        const ok = chunked
          ? socket.write(Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, Buffer.from("\r\n")]))
          : socket.write(piece);
        sent += size;
        if (!ok) await drainedOrClosed(socket);
      }
      if (chunked && !settled && !socket.destroyed) socket.write("0\r\n\r\n");
    });
  });
}

function empty(): Omit<SocketResponse, "bytesWritten" | "closedByServer"> & { complete: boolean } {
  return { status: 0, headers: {}, body: "", complete: false };
}

function drainedOrClosed(socket: ReturnType<typeof connect>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

function parseResponse(
  bytes: Buffer,
): (Omit<SocketResponse, "bytesWritten" | "closedByServer"> & { complete: boolean }) | undefined {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine = "", ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(" ")[1] ?? 0);
  let body = bytes.subarray(end + 4);
  let complete: boolean;
  if (headers["content-length"] !== undefined) {
    complete = body.byteLength >= Number(headers["content-length"]);
  } else if (headers["transfer-encoding"]?.includes("chunked")) {
    const decoded = decodeChunked(body);
    complete = decoded !== undefined;
    body = decoded ?? body;
  } else {
    complete = status === 204 || status === 304;
  }
  return { status, headers, body: body.toString("utf8"), complete };
}

function decodeChunked(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", offset);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (bytes.byteLength < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}
