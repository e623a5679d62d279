import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Transform } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { canonicalHeaderName } from "../api/message-options";
import type { OutgoingHeaders } from "./outgoing-headers";

/** One request to a destination, as {@link DestinationClient.send} sends it. */
export interface DestinationRequest {
  url: string;
  method: string;
  headers: OutgoingHeaders;
  /** Sent with `Content-Length`; none for GET and HEAD. */
  body: Buffer | undefined;
  /** After this many milliseconds the request is ended and `send` rejects with code `DELIVERY_TIMEOUT`. */
  timeoutMs: number;
  /** Names the request for {@link DestinationClient.abort} (a message id: one attempt at a time). */
  key?: string | undefined;
}

/** A destination's answer: status, headers as sent, and the body up to the read limit. */
export interface DestinationAnswer {
  readonly status: number;
  /**
   * As QStash reports them (`responseHeader`): canonical names (`Retry-After`), a repeated header's
   * values joined with ", " as `fetch`'s `Headers` joins them, `Set-Cookie` kept one per cookie.
   * Read one with {@link answerHeader}. Built on first read: most answers are never asked.
   */
  readonly headers: Record<string, string[]>;
  /** Decoded (gzip, deflate, br) when the answer says so, cut to the read limit. */
  readonly body: Buffer;
}

/** Connection-level headers the client manages itself; a forwarded one would break the framing. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"]);

/** Node timers overflow past ~24.8 days. */
const MAX_TIMER_MS = 2_147_483_647;

/** One request under way: what to resend on a stale connection, and how it settles. */
interface Pending {
  readonly secure: boolean;
  readonly options: RequestOptions;
  readonly body: Buffer | undefined;
  readonly bodyLimit: number;
  readonly deadline: number;
  readonly key: string | undefined;
  req: ClientRequest | undefined;
  answered: boolean;
  done: boolean;
  resolve(answer: DestinationAnswer): void;
  reject(error: unknown): void;
}

/**
 * Sends deliveries over keep-alive connections (`node:http`/`node:https` agents), at most
 * `maxSockets` per destination, instead of a `fetch` per delivery: a busy dev server then reuses
 * a few sockets instead of opening one per message. Redirects are not followed (QStash does not
 * either); a body past `bodyLimit` is read to its end and cut (decoded bodies too). A request that fails on a reused
 * connection before any answer (the destination closed it while idle) is sent again on a fresh
 * one, as Node's documentation advises, so a keep-alive race is never reported as a failed attempt.
 * Timeouts share one timer (armed for the earliest deadline), not a timer and an `AbortSignal` per
 * request.
 *
 * @example
 * ```ts
 * const client = new DestinationClient(64, 256 * 1024);
 * const answer = await client.send({ url, method: "POST", headers, body, timeoutMs: 900_000 });
 * client.close();
 * ```
 */
export class DestinationClient {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;
  private readonly pending = new Set<Pending>();
  private readonly byKey = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    maxSockets: number,
    private readonly bodyLimit: number,
  ) {
    const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
    this.http = new HttpAgent(options);
    this.https = new HttpsAgent(options);
  }

  /** Requests under way. */
  get inflight(): number {
    return this.pending.size;
  }

  /**
   * Sends one request; rejects with the network error (its `code` kept), with code
   * `DELIVERY_TIMEOUT` past `timeoutMs`, or with code `DELIVERY_ABORTED` on {@link abort} or
   * {@link close}.
   */
  send(request: DestinationRequest): Promise<DestinationAnswer> {
    let target: URL;
    try {
      target = new URL(request.url);
    } catch (error) {
      return Promise.reject(error);
    }
    if (target.protocol !== "http:" && target.protocol !== "https:")
      return Promise.reject(new TypeError(`cannot deliver to a ${target.protocol} URL`));
    const secure = target.protocol === "https:";
    const options: RequestOptions = {
      protocol: target.protocol,
      // As node:http's own URL handling: an IPv6 literal without its brackets.
      hostname: target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method: request.method,
      headers: nodeHeaders(request.headers, request.body, target),
      agent: secure ? this.https : this.http,
    };
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        secure,
        options,
        body: request.body,
        bodyLimit: this.bodyLimit,
        deadline: Date.now() + request.timeoutMs,
        key: request.key,
        req: undefined,
        answered: false,
        done: false,
        resolve,
        reject,
      };
      this.pending.add(pending);
      if (pending.key !== undefined) this.byKey.set(pending.key, pending);
      if (pending.deadline < this.timerAt) this.armTimer(pending.deadline);
      this.start(pending);
    });
  }

  /** Ends the request sent under `key`; its `send` rejects with code `DELIVERY_ABORTED`. */
  abort(key: string): boolean {
    const pending = this.byKey.get(key);
    if (!pending) return false;
    this.fail(pending, deliveryError("DELIVERY_ABORTED", "the delivery was aborted"));
    return true;
  }

  /** Ends the requests under way and closes every connection. */
  close(): void {
    for (const pending of this.pending)
      this.fail(pending, deliveryError("DELIVERY_ABORTED", "the destination client was closed"));
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.http.destroy();
    this.https.destroy();
  }

  private start(pending: Pending): void {
    pending.answered = false;
    let req: ClientRequest;
    try {
      req = (pending.secure ? httpsRequest : httpRequest)(pending.options);
    } catch (error) {
      this.fail(pending, error); // a header value node:http refuses, say
      return;
    }
    pending.req = req;
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (pending.done || pending.req !== req) return;
      const stale =
        req.reusedSocket && !pending.answered && (error.code === "ECONNRESET" || error.code === "EPIPE");
      if (stale) this.start(pending);
      else this.fail(pending, error);
    });
    req.on("response", (res: IncomingMessage) => this.read(pending, res));
    req.end(pending.body);
  }

  private read(pending: Pending, res: IncomingMessage): void {
    pending.answered = true;
    const chunks: Buffer[] = [];
    let kept = 0;
    const limit = pending.bodyLimit;
    res.on("data", (chunk: Buffer) => {
      if (kept >= limit) return; // read to the end, keep only the limit
      chunks.push(chunk);
      kept += chunk.length;
    });
    res.on("error", (error) => this.fail(pending, error));
    res.on("aborted", () =>
      this.fail(pending, new Error("the destination closed the connection mid-answer")),
    );
    res.on("end", () => {
      if (pending.done) return;
      const status = res.statusCode ?? 0;
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const encoding = rawHeader(res.rawHeaders, "content-encoding");
      const method = pending.options.method!;
      if (!encoding || raw.length === 0 || method === "HEAD" || status === 204 || status === 304)
        this.succeed(pending, new Answer(status, res.rawHeaders, raw, limit));
      else
        void decode(raw, encoding, limit).then((body) =>
          this.succeed(pending, new Answer(status, res.rawHeaders, body, limit)),
        );
    });
  }

  private succeed(pending: Pending, answer: DestinationAnswer): void {
    if (!this.settle(pending)) return;
    pending.resolve(answer);
  }

  private fail(pending: Pending, error: unknown): void {
    if (!this.settle(pending)) return;
    pending.req?.destroy();
    pending.reject(error);
  }

  /** Marks `pending` done and forgets it; `false` when it already was. */
  private settle(pending: Pending): boolean {
    if (pending.done) return false;
    pending.done = true;
    this.pending.delete(pending);
    if (pending.key !== undefined && this.byKey.get(pending.key) === pending) this.byKey.delete(pending.key);
    return true;
  }

  private armTimer(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    this.timer.unref();
  }

  /** Times out every request past its deadline, then arms the timer for the next deadline. */
  private expire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const pending of this.pending) {
      if (pending.deadline <= now)
        this.fail(pending, deliveryError("DELIVERY_TIMEOUT", "the destination did not answer in time"));
      else if (pending.deadline < next) next = pending.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.armTimer(next);
  }
}

/** An answer whose header record is built only when someone reads it. */
class Answer implements DestinationAnswer {
  private built: Record<string, string[]> | undefined;

  readonly body: Buffer;

  constructor(
    readonly status: number,
    private readonly rawHeaders: string[],
    body: Buffer,
    limit: number,
  ) {
    this.body = body.length > limit ? body.subarray(0, limit) : body;
  }

  get headers(): Record<string, string[]> {
    this.built ??= answerHeaders(this.rawHeaders);
    return this.built;
  }
}

function deliveryError(code: "DELIVERY_TIMEOUT" | "DELIVERY_ABORTED", message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The delivery's headers as node:http's flat `[name, value, …]` list, which it writes as given
 * instead of copying each into its own header map: `Host` first (the URL's, unless the delivery
 * forwards its own, as node:http does), then the delivery's, one line per name as `fetch` would
 * send them, `Authorization` from the URL's credentials unless the delivery has one (as node:http
 * adds it), then `Content-Length`.
 */
function nodeHeaders(headers: OutgoingHeaders, body: Buffer | undefined, target: URL): string[] {
  const out = ["Host", target.host];
  let authorization = false;
  headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name)) return;
    if (name === "host") out[1] = value;
    else {
      if (name === "authorization") authorization = true;
      out.push(name, value);
    }
  });
  if (!authorization && (target.username || target.password))
    out.push(
      "Authorization",
      `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64")}`,
    );
  if (body) out.push("content-length", String(body.length));
  return out;
}

/**
 * One header of node's `rawHeaders` by its lower-case name, repeated values joined with ", " as
 * `res.headers` joins them, without building `res.headers`.
 */
function rawHeader(raw: string[], lowerName: string): string | undefined {
  let found: string | undefined;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index]!;
    if (name.length !== lowerName.length || name.toLowerCase() !== lowerName) continue;
    found = found === undefined ? raw[index + 1]! : `${found}, ${raw[index + 1]!}`;
  }
  return found;
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
function decode(raw: Buffer, encoding: string, limit: number): Promise<Buffer> {
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
