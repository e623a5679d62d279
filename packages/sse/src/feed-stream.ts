import type { FeedError } from "./feed-error";
import { feedErrorResponse } from "./feed-error-response";
import {
  FeedSession,
  type FeedSink,
  prepareStream,
  SSE_HEADERS,
  type StreamOptions,
  type StreamSource,
} from "./feed-session";

export type { StreamOptions, StreamSource } from "./feed-session";

const encoder = new TextEncoder();

/**
 * The SSE `Response` for one recipient (see `FeedSession` for the events). Resumes after
 * `Last-Event-ID` (header, or the `lastEventId` query parameter for the first connect) exactly;
 * ends on abort or `maxDurationMs`, and errors (the connection drops) when a client that stopped
 * reading would make it hold more than `maxBufferedBytes`.
 */
export function streamFeed(source: StreamSource, request: Request, options: StreamOptions): Response {
  const prepared = prepareStream(source, options, request.headers.get("last-event-id"), () =>
    new URL(request.url).searchParams.getAll("lastEventId"),
  );
  if ("refused" in prepared) return feedErrorResponse("UNAUTHORIZED", prepared.refused);
  const { recipient, settings, resume } = prepared;
  const { signal } = request;
  let session: FeedSession | undefined;
  const close = () => session?.close();
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const sink: FeedSink = {
          write: (text) => controller.enqueue(encoder.encode(text)),
          waiting: () => settings.maxBufferedBytes - (controller.desiredSize ?? 0),
          end: () => {
            signal.removeEventListener("abort", close);
            try {
              controller.close();
            } catch {
              // already closed by the reader
            }
          },
          fail: (error: FeedError) => {
            signal.removeEventListener("abort", close);
            controller.error(error);
          },
        };
        session = new FeedSession(source, recipient, settings, sink);
        if (signal.aborted) sink.end();
        else {
          signal.addEventListener("abort", close);
          session.start(resume);
        }
      },
      pull() {
        session?.resume();
      },
      cancel() {
        close();
      },
    },
    { highWaterMark: settings.maxBufferedBytes, size: (chunk) => chunk.byteLength },
  );
  return new Response(body, { headers: SSE_HEADERS });
}
