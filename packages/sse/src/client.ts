import { type Clock, systemClock } from "./clock";
import type { FeedActor, FeedCounts, FeedStateChange } from "./feed-item";

export type { Clock } from "./clock";
export type { FeedActor, FeedCounts, FeedStateChange, FeedStatus } from "./feed-item";

/** A feed item as the browser receives it (the server's `FeedItem`, JSON-decoded). */
export interface ClientFeedItem<TData = unknown> {
  id: number;
  createdAt: number;
  /** Opened (read implies seen). */
  read: boolean;
  /** Shown in the open bell; the badge (`counts.unseen`) counts items not seen. */
  seen: boolean;
  archived: boolean;
  data: TData;
  /** Set for grouped items: an item with the same `groupKey` and a higher id replaces this one. */
  groupKey?: string | null | undefined;
  count: number;
  summary: boolean;
  category?: string | null | undefined;
  /** Distinct actors, most recent first (at most the feed's `maxActors`). */
  actors: FeedActor[];
  /** Distinct actors in all: "Ada, Bob and {actorCount - actors.length} others". */
  actorCount: number;
  /** The payloads this item stands for, most recent first (`grouped[0]` is `data`). */
  grouped: TData[];
}

/** A page from `GET {route}?view=page` (the server's `FeedPage`, JSON-decoded). */
export interface ClientFeedPage<TData = unknown> {
  /** Newest first. */
  items: ClientFeedItem<TData>[];
  /** Pass as `before` for the next (older) page with the same filters; `null` on the last page. */
  nextCursor: number | null;
  unread: number;
  counts: FeedCounts;
}

/** Callbacks for {@link subscribeToFeed}. */
export interface FeedHandlers<TData> {
  /** A new item, or a group's updated item (same `groupKey`, new id: replace the old one). */
  onItem?: (item: ClientFeedItem<TData>) => void;
  /** The unread count changed (a push, or a mark-read in another tab). */
  onUnread?: (unread: number) => void;
  /** The counts changed: `unseen` is the badge. Sent when the stream opens and on every change. */
  onCounts?: (counts: FeedCounts) => void;
  /** Flags changed on items this page may show (another tab marked them): update them in place. */
  onState?: (state: FeedStateChange) => void;
  /**
   * Something changed that the stream cannot describe (a removal, a change it learned by polling,
   * a reconnect): refetch the pages you show.
   */
  onRefresh?: () => void;
  /** Too much was missed while disconnected: refetch the first page of history. */
  onReset?: () => void;
  /** The connection dropped; the helper reconnects and resumes after the last item. */
  onError?: (event: Event) => void;
  /** The stream is (re)connected. */
  onOpen?: () => void;
  /**
   * Each event's SSE id (`<epoch>:<id>`), just before its handler runs: where a new connection
   * would resume (what `lastEventId` takes), e.g. for another tab that takes over the stream.
   */
  onEventId?: (id: string) => void;
}

/** Options for {@link subscribeToFeed}. */
export interface SubscribeOptions {
  /**
   * The newest item id the page already shows (from `feed.list`): the first connection resumes
   * after it, so nothing pushed between rendering and connecting is lost. Also takes an event id
   * as the stream sent it (`<epoch>:<id>`, from `onEventId`).
   * @default undefined (start from now)
   */
  lastEventId?: number | string;
  /** Send cookies to a cross-origin stream URL. @default false */
  withCredentials?: boolean;
  /**
   * When the browser gives up on the stream (a 401, a 5xx, a proxy error page), reconnect after
   * this delay, doubling up to `maxReconnectMs`. The browser itself retries dropped connections.
   * @default 1000
   */
  reconnectMs?: number;
  /** @default 30000 */
  maxReconnectMs?: number;
  /** An `EventSource` implementation, for environments without a global one. @default globalThis.EventSource */
  EventSource?: EventSourceConstructor;
  /**
   * The timers the reconnect backoff runs on (only `setTimeout` and `clearTimeout` are used), so
   * a test can move time by hand.
   * @default systemClock (the global timers)
   */
  clock?: Clock;
}

/** What {@link subscribeToFeed} needs from an `EventSource` constructor. */
export type EventSourceConstructor = new (url: string, init?: EventSourceInit) => EventSource;

/**
 * Subscribes to a feed stream (`feed.stream` on the server) with `EventSource`. The browser
 * reconnects by itself and sends `Last-Event-ID`, so the server resumes exactly after the last
 * item this page saw; when the browser gives up (an error status), the helper opens a new
 * connection with `?lastEventId=`, backing off. Returns a function that closes the stream.
 *
 * @example
 * ```ts
 * import { subscribeToFeed } from "@switchboard/sse/client";
 *
 * const stop = subscribeToFeed<{ title: string }>("/api/notifications/stream", {
 *   onItem: (item) => console.log(item.data.title),
 *   onCounts: (counts) => console.log("badge", counts.unseen),
 *   onState: ({ ids, read }) => console.log("marked elsewhere", ids, read),
 *   onRefresh: () => console.log("refetch the pages shown"),
 *   onReset: () => console.log("refetch the first page"),
 * });
 * ```
 */
export function subscribeToFeed<TData = unknown>(
  url: string,
  handlers: FeedHandlers<TData>,
  options: SubscribeOptions = {},
): () => void {
  const Source = options.EventSource ?? globalThis.EventSource;
  if (typeof Source !== "function") {
    throw new TypeError(
      "subscribeToFeed: no EventSource here; pass options.EventSource (e.g. from the `eventsource` package).",
    );
  }
  const initialDelay = options.reconnectMs ?? 1000;
  const maxDelay = options.maxReconnectMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  let lastEventId = options.lastEventId === undefined ? "" : String(options.lastEventId);
  let delay = initialDelay;
  let stopped = false;
  let source: EventSource | undefined;
  let timer: unknown;

  const parse = <T>(event: Event): T | undefined => {
    const message = event as MessageEvent<string>;
    if (message.lastEventId) {
      lastEventId = message.lastEventId;
      handlers.onEventId?.(lastEventId);
    }
    try {
      return JSON.parse(message.data) as T;
    } catch {
      return undefined;
    }
  };
  const connect = () => {
    const target = lastEventId === "" ? url : withQuery(url, "lastEventId", lastEventId);
    const current = new Source(target, { withCredentials: options.withCredentials ?? false });
    source = current;
    current.addEventListener("notification", (event) => {
      const item = parse<ClientFeedItem<TData>>(event);
      if (item) handlers.onItem?.(item);
    });
    current.addEventListener("unread", (event) => {
      const body = parse<{ unread: number }>(event);
      if (body) handlers.onUnread?.(body.unread);
    });
    current.addEventListener("counts", (event) => {
      const counts = parse<FeedCounts>(event);
      if (counts && typeof counts.unseen === "number") handlers.onCounts?.(counts);
    });
    current.addEventListener("state", (event) => {
      const state = parse<FeedStateChange>(event);
      if (state && (state.ids === "all" || Array.isArray(state.ids))) handlers.onState?.(state);
    });
    current.addEventListener("refresh", (event) => {
      parse(event);
      handlers.onRefresh?.();
    });
    current.addEventListener("reset", (event) => {
      parse(event);
      handlers.onReset?.();
    });
    current.addEventListener("open", () => {
      delay = initialDelay;
      handlers.onOpen?.();
    });
    current.addEventListener("error", (event) => {
      handlers.onError?.(event);
      // CONNECTING: the browser retries by itself. CLOSED: it gave up, so we reconnect.
      if (current.readyState !== 2 || stopped) return;
      current.close();
      timer = clock.setTimeout(connect, delay);
      delay = Math.min(delay * 2, maxDelay);
    });
  };
  connect();
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
    source?.close();
  };
}

function withQuery(url: string, name: string, value: string): string {
  const [path, hash] = url.split("#", 2) as [string, string | undefined];
  const joined = `${path}${path.includes("?") ? "&" : "?"}${name}=${encodeURIComponent(value)}`;
  return hash === undefined ? joined : `${joined}#${hash}`;
}
