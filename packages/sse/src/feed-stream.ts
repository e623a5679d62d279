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
  /** End the stream after this long, before the platform's limit; the browser reconnects and resumes. @default 280000 */
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
}

const encoder = new TextEncoder();

/**
 * The SSE `Response` for one recipient. Sends `event: notification` (with `id:`) for each new
 * item, `event: unread` for the unread count, `event: reset` when a reconnect missed more than
 * `maxReplay` items, and a comment heartbeat. Resumes after `Last-Event-ID` (header, or the
 * `lastEventId` query parameter for the first connect) exactly; ends on abort or `maxDurationMs`.
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
  const maxDurationMs = options.maxDurationMs ?? 280_000;
  const retryMs = options.retryMs ?? 2_000;
  const maxReplay = options.maxReplay ?? 100;
  const resumeFrom = parseLastEventId(request);

  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let lastId = 0;
      let lastUnread = -1;
      let pending = Promise.resolve();
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const sendItems = (items: FeedItem[]) => {
        for (const item of items) {
          send(formatSseEvent({ event: "notification", id: item.id, data: JSON.stringify(item) }));
          lastId = Math.max(lastId, item.id);
        }
      };
      const sendUnread = (unread: number) => {
        if (unread === lastUnread) return;
        lastUnread = unread;
        send(formatSseEvent({ event: "unread", id: lastId, data: JSON.stringify({ unread }) }));
      };
      // Catch up serially: each wake-up reads what is new since the last id sent.
      const catchUp = () => {
        pending = pending.then(async () => {
          if (closed) return;
          const { items } = await source.store.since(recipient, lastId, 1000);
          sendItems(items);
          sendUnread(await source.store.unreadCount(recipient));
        });
        pending.catch(() => {});
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
      pending = (async () => {
        // One round trip for the newest id, the unread count and the version the poller starts from.
        const snapshot = await source.store.snapshot(recipient);
        if (resumeFrom === undefined) {
          lastId = snapshot.latestId;
        } else {
          const { items, more } = await source.store.since(recipient, resumeFrom, maxReplay);
          if (more) {
            lastId = snapshot.latestId;
            send(
              formatSseEvent({
                event: "reset",
                id: lastId,
                data: JSON.stringify({ reason: "gap", lastEventId: resumeFrom }),
              }),
            );
          } else {
            lastId = resumeFrom;
            sendItems(items);
          }
        }
        sendUnread(snapshot.unread);
        if (!closed) unwatch = source.poller.watch(recipient, catchUp, snapshot.version);
        // A change between the snapshot and the replay is caught by the first poll (versions differ).
      })();
      pending.catch(() => close());
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
