import type { FeedError } from "./feed-error";
import { feedErrorAnswer } from "./feed-error-response";
import {
  FeedSession,
  type FeedSink,
  prepareStream,
  SSE_HEADERS,
  type StreamOptions,
  type StreamSource,
  utf8Length,
} from "./feed-session";

/**
 * The parts of Node's `IncomingMessage` a stream reads (Express's `req` and the Pages Router's
 * `NextApiRequest` are ones).
 */
export interface NodeStreamRequest {
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The parts of Node's `ServerResponse` a stream writes to (Express's `res` and the Pages Router's
 * `NextApiResponse` are ones).
 */
export interface NodeStreamResponse {
  readonly writableLength: number;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
  end(chunk?: string): unknown;
  destroy(error?: Error): unknown;
  on(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * `streamFeed` written straight to a Node response: no web `Request`, `ReadableStream` or
 * `Response` in between, so an open stream costs little more than Node's own socket and response.
 * The client's backpressure is the response's `writableLength`; it goes on after each write
 * reaches the socket and on `drain`. Closes with the response (the client went away).
 */
export function streamFeedNode(
  source: StreamSource,
  req: NodeStreamRequest,
  res: NodeStreamResponse,
  options: StreamOptions,
): void {
  const prepared = prepareStream(source, options, headerValue(req.headers["last-event-id"]), () =>
    queryValues(req.url),
  );
  if ("refused" in prepared) {
    writeError(res, feedErrorAnswer("UNAUTHORIZED", prepared.refused));
    return;
  }
  const { recipient, settings, resume } = prepared;
  res.writeHead(200, SSE_HEADERS);
  const sink = new NodeSink(res);
  const session = new FeedSession(source, recipient, settings, sink);
  sink.session = session;
  // One listener for all three: a write reached the socket, the socket drained, or it closed.
  res.on("drain", sink.settled);
  res.on("close", sink.settled);
  if (res.destroyed) session.close();
  else session.start(resume);
}

/** Writes to the response; tells the session when the client took bytes or went away. */
class NodeSink implements FeedSink {
  session: FeedSession | undefined;
  private ended = false;
  /** After a write's callback, `drain` or `close`: go on reading, or stop with the response. */
  readonly settled: () => void;

  constructor(private readonly res: NodeStreamResponse) {
    // Made here, not as a class field (whose arrow function would get its own `name` property,
    // a few hundred bytes per open stream).
    this.settled = () => {
      if (res.destroyed || res.writableEnded) this.session?.close();
      else this.session?.resume();
    };
  }

  write(text: string): void {
    this.res.write(text, this.settled);
  }
  waiting(): number {
    return this.res.writableLength;
  }
  end(): void {
    if (this.ended || this.res.destroyed) return;
    this.ended = true;
    this.res.end();
  }
  fail(error: FeedError): void {
    this.ended = true;
    this.res.destroy(error);
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

function queryValues(url: string | undefined): string[] {
  const at = url?.indexOf("?") ?? -1;
  return at === -1 ? [] : new URLSearchParams(url!.slice(at + 1)).getAll("lastEventId");
}

/** The JSON refusal `feedErrorResponse` gives, on a Node response. */
function writeError(res: NodeStreamResponse, { status, body }: ReturnType<typeof feedErrorAnswer>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": String(utf8Length(text)),
    "Cache-Control": "no-store",
  });
  res.end(text);
}
