import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Transform } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { canonicalHeaderName } from "../api/message-options";

/** One request to a destination, as {@link DestinationClient.send} sends it. */
export interface DestinationRequest {
  url: string;
  method: string;
  headers: Headers;
  /** Sent with `Content-Length`; none for GET and HEAD. */
  body: Buffer | undefined;
  /** Aborting it ends the request (a timeout, a cancel), and `send` rejects. */
  signal: AbortSignal;
}

/** A destination's answer: status, headers as sent, and the body up to the read limit. */
export interface DestinationAnswer {
  status: number;
  /**
   * As QStash reports them (`responseHeader`): canonical names (`Retry-After`), a repeated header's
   * values joined with ", " as `fetch`'s `Headers` joins them, `Set-Cookie` kept one per cookie.
   * Read one with {@link answerHeader}.
   */
  headers: Record<string, string[]>;
  /** Decoded (gzip, deflate, br) when the answer says so, cut to the read limit. */
  body: Buffer;
}

/** Connection-level headers the client manages itself; a forwarded one would break the framing. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"]);

/**
 * Sends deliveries over keep-alive connections (`node:http`/`node:https` agents), at most
 * `maxSockets` per destination, instead of a `fetch` per delivery: a busy dev server then reuses
 * a few sockets instead of opening one per message. Redirects are not followed (QStash does not
 * either); a body past `bodyLimit` is read to its end and cut (decoded bodies too). A request that fails on a reused
 * connection before any answer (the destination closed it while idle) is sent again on a fresh
 * one, as Node's documentation advises, so a keep-alive race is never reported as a failed attempt.
 *
 * @example
 * ```ts
 * const client = new DestinationClient(64, 256 * 1024);
 * const answer = await client.send({ url, method: "POST", headers, body, signal });
 * client.close();
 * ```
 */
export class DestinationClient {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(
    maxSockets: number,
    private readonly bodyLimit: number,
  ) {
    const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
    this.http = new HttpAgent(options);
    this.https = new HttpsAgent(options);
  }

  /** Sends one request; rejects with the network error (its `code` kept) or when `signal` aborts. */
  async send(request: DestinationRequest): Promise<DestinationAnswer> {
    const target = new URL(request.url);
    if (target.protocol !== "http:" && target.protocol !== "https:")
      throw new TypeError(`cannot deliver to a ${target.protocol} URL`);
    const headers = nodeHeaders(request.headers, request.body);
    for (;;) {
      const outcome = await this.once(target, request, headers);
      if (outcome.kind === "answer") return outcome.answer;
      if (!outcome.retry) throw outcome.error;
    }
  }

  /** Closes idle connections and ends those under way. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private once(
    target: URL,
    { method, body, signal }: DestinationRequest,
    headers: Record<string, string | string[]>,
  ): Promise<
    { kind: "answer"; answer: DestinationAnswer } | { kind: "error"; error: unknown; retry: boolean }
  > {
    return new Promise((settle) => {
      let settled = false;
      let answered = false;
      const finish = (
        outcome:
          | { kind: "answer"; answer: DestinationAnswer }
          | { kind: "error"; error: unknown; retry: boolean },
      ) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        settle(outcome);
      };
      const secure = target.protocol === "https:";
      const req = (secure ? httpsRequest : httpRequest)(target, {
        method,
        headers,
        agent: secure ? this.https : this.http,
      });
      const onAbort = () => {
        req.destroy();
        finish({ kind: "error", error: signal.reason, retry: false });
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      req.on("error", (error: NodeJS.ErrnoException) => {
        const stale =
          req.reusedSocket &&
          !answered &&
          !signal.aborted &&
          (error.code === "ECONNRESET" || error.code === "EPIPE");
        finish({ kind: "error", error, retry: stale });
      });
      req.on("response", (res: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on("data", (chunk: Buffer) => {
          if (kept >= this.bodyLimit) return; // read to the end, keep only the limit
          chunks.push(chunk);
          kept += chunk.length;
        });
        res.on("error", (error) => finish({ kind: "error", error, retry: false }));
        res.on("aborted", () =>
          finish({
            kind: "error",
            error: new Error("the destination closed the connection mid-answer"),
            retry: false,
          }),
        );
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const raw = Buffer.concat(chunks);
          void decode(raw, res.headers["content-encoding"], method, status, this.bodyLimit).then((decoded) =>
            finish({
              kind: "answer",
              answer: {
                status,
                headers: answerHeaders(res.rawHeaders),
                body: decoded.length > this.bodyLimit ? decoded.subarray(0, this.bodyLimit) : decoded,
              },
            }),
          );
        });
      });
      req.end(body);
    });
  }
}

/** The delivery's headers for `node:http`: one value per name, as `fetch` would send them. */
function nodeHeaders(headers: Headers, body: Buffer | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name)) return;
    const previous = out[name];
    out[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  });
  if (body) out["content-length"] = String(body.length);
  return out;
}

/** Node's `rawHeaders` as {@link DestinationAnswer.headers}: built directly, no `Headers` per answer. */
function answerHeaders(raw: string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = canonicalHeaderName(raw[index]!);
    const value = raw[index + 1]!.trim();
    const values = headers[name];
    if (!values) headers[name] = [value];
    else if (name === "Set-Cookie") values.push(value);
    else values[0] = `${values[0]}, ${value}`;
  }
  return headers;
}

/**
 * One header of an answer, by any spelling of its name, as `Headers.get` would give it.
 *
 * @example
 * ```ts
 * answerHeader(answer.headers, "retry-after"); // "7"
 * ```
 */
export function answerHeader(headers: Record<string, string[]>, name: string): string | null {
  return headers[canonicalHeaderName(name)]?.join(", ") ?? null;
}

/**
 * The body as the destination meant it, as `fetch` would decode it, up to `limit` decoded bytes:
 * decoding stops there, so a small compressed answer that inflates to megabytes keeps its start
 * (and never inflates whole), and one cut at the limit on the wire keeps what decodes of it. A body
 * that does not decode at all (not what it claims) is kept as received.
 */
function decode(
  raw: Buffer,
  encoding: string | undefined,
  method: string,
  status: number,
  limit: number,
): Promise<Buffer> {
  if (!encoding || raw.length === 0 || method === "HEAD" || status === 204 || status === 304)
    return Promise.resolve(raw);
  const decoder = decoderFor(encoding);
  if (!decoder) return Promise.resolve(raw);
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let kept = 0;
    let done = false;
    const settle = (body: Buffer) => {
      if (done) return;
      done = true;
      decoder.destroy();
      resolve(body);
    };
    decoder.on("data", (chunk: Buffer) => {
      out.push(chunk);
      kept += chunk.length;
      if (kept >= limit) settle(Buffer.concat(out).subarray(0, limit));
    });
    decoder.on("end", () => settle(Buffer.concat(out)));
    decoder.on("error", () => settle(kept > 0 ? Buffer.concat(out) : raw));
    decoder.end(raw);
  });
}

/** A streaming decoder for a `Content-Encoding`; one cut short ends with what it has, not an error. */
function decoderFor(encoding: string): Transform | undefined {
  const options = { finishFlush: constants.Z_SYNC_FLUSH };
  switch (encoding.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return createGunzip(options);
    case "deflate":
      return createInflate(options);
    case "br":
      return createBrotliDecompress({ finishFlush: constants.BROTLI_OPERATION_FLUSH });
    default:
      return undefined;
  }
}
