import type { FeedItem } from "./feed-item";
import type { FeedStore } from "./feed-store";
import type { SharedPoller } from "./shared-poller";
import { formatSseComment, formatSseEvent } from "./sse-event";

/** Options for `feed.stream`. */
export interface StreamOptions {
  /**
   * Whose feed to stream. Take it from your own auth (session, token), never from the query
   * string: with no recipient the stream answers 401.
   */
  recipient: string | undefined | null;
  /** Send a comment at least this often so proxies keep the connection open. @default 15000 */
  heartbeatMs?: number;
  /**
   * End the stream after about this long (up to 10% earlier, at random, so reconnects after a
   * deploy spread out), before the platform's limit; the browser reconnects and resumes.
   * @default 280000
   */
  maxDurationMs?: number;
  /** Reconnection delay the browser is told to use (`retry:`). @default 2000 */
  retryMs?: number;
  /** Resume by replaying at most this many items; a larger gap sends one `event: reset` instead. @default 100 */
  maxReplay?: number;
}

/** What the stream needs from the feed. Internal. */
export interface StreamSource {
  store: FeedStore;
  poller: SharedPoller;
  /** Replays are capped below the feed's `maxItems`, so trimmed items always mean a reset. */
  maxItems: number;
}

const encoder = new TextEncoder();
/** Items read per round trip while catching up. */
const CATCH_UP_BATCH = 500;
/** `since(NOTHING_AFTER)` reads only the counters. */
const NOTHING_AFTER = Number.MAX_SAFE_INTEGER;

/**
 * The SSE `Response` for one recipient. Sends `event: notification` (with `id:`) for each new
 * item, `event: unread` for the unread count, `event: reset` when a reconnect missed more than
 * `maxReplay` items (or the feed no longer has the id), and a comment heartbeat. Resumes after
 * `Last-Event-ID` (header, or the `lastEventId` query parameter for the first connect) exactly;
 * ends on abort or `maxDurationMs`.
 */
export function streamFeed(source: StreamSource, request: Request, options: StreamOptions): Response {
  const { recipient } = options;
  if (typeof recipient !== "string" || recipient === "") {
    return Response.json(
      {
        error: {
          code: "UNAUTHORIZED",
          message: "No recipient: pass the signed-in user's id from your own auth to feed.stream.",
        },
      },
      { status: 401 },
    );
  }
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxDurationMs = (options.maxDurationMs ?? 280_000) * (0.9 + Math.random() * 0.1);
  const retryMs = options.retryMs ?? 2_000;
  const maxReplay = Math.min(options.maxReplay ?? 100, source.maxItems - 1);
  const resumeFrom = parseLastEventId(request);
  const { store, poller } = source;

  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let lastId = 0;
      let lastUnread = -1;
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const sendItems = (items: FeedItem[]) => {
        for (const item of items) {
          if (item.id <= lastId) continue;
          send(formatSseEvent({ event: "notification", id: item.id, data: JSON.stringify(item) }));
          lastId = item.id;
        }
      };
      // `id:` on every event keeps the browser's Last-Event-ID at the newest item this stream sent.
      const sendUnread = (unread: number) => {
        if (unread === lastUnread) return;
        lastUnread = unread;
        send(formatSseEvent({ event: "unread", id: lastId, data: JSON.stringify({ unread }) }));
      };
      const sendReset = (latestId: number, reason: "gap" | "unknown-id", lastEventId: number) => {
        lastId = latestId;
        send(formatSseEvent({ event: "reset", id: lastId, data: JSON.stringify({ reason, lastEventId }) }));
      };

      // Catch up serially: each wake-up reads what is new since the last id sent, in batches.
      let pending = Promise.resolve();
      const catchUp = () => {
        pending = pending
          .then(async () => {
            for (;;) {
              if (closed) return;
              const now = await store.since(recipient, lastId, CATCH_UP_BATCH);
              if (closed) return;
              // The feed went backwards (its keys expired or were deleted): start over.
              if (now.latestId < lastId) sendReset(now.latestId, "unknown-id", lastId);
              else sendItems(now.items);
              if (!now.more) return sendUnread(now.unread);
            }
          })
          .catch(() => {}); // retried on the next wake-up
      };

      const heartbeat = setInterval(() => send(formatSseComment("ping")), heartbeatMs);
      const deadline = setTimeout(() => close(), maxDurationMs);
      let unwatch = () => {};
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        clearTimeout(deadline);
        unwatch();
        request.signal.removeEventListener("abort", close);
        try {
          controller.close();
        } catch {
          // already closed by the reader
        }
      };
      cleanup = close;
      if (request.signal.aborted) return close();
      request.signal.addEventListener("abort", close);

      send(formatSseEvent({ event: "ready", data: "{}", retry: retryMs }));
      // One read gives the replay, the unread count, the newest id and the version the poller
      // starts from: a change after this read makes the first poll see a different version.
      pending = (async () => {
        const opened = await store.since(recipient, resumeFrom ?? NOTHING_AFTER, maxReplay);
        if (closed) return;
        if (resumeFrom === undefined) lastId = opened.latestId;
        else if (resumeFrom > opened.latestId) sendReset(opened.latestId, "unknown-id", resumeFrom);
        else if (opened.more) sendReset(opened.latestId, "gap", resumeFrom);
        else {
          lastId = resumeFrom;
          sendItems(opened.items);
        }
        sendUnread(opened.unread);
        unwatch = poller.watch(recipient, catchUp, opened.version);
      })().catch(() => close()); // the browser reconnects after `retry`
    },
    cancel() {
      cleanup();
    },
  });

  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
  });
}

function parseLastEventId(request: Request): number | undefined {
  const raw = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("lastEventId");
  if (raw === null || raw.trim() === "") return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}
