/** A feed item as the browser receives it (the server's `FeedItem`, JSON-decoded). */
export interface ClientFeedItem<TData = unknown> {
  id: number;
  createdAt: number;
  read: boolean;
  data: TData;
  groupKey: string | null | undefined;
  count: number;
  summary: boolean;
}

/** Callbacks for {@link subscribeToFeed}. */
export interface FeedHandlers<TData> {
  /** A new item, or a group's updated item (same `groupKey`, new id: replace the old one). */
  onItem?: (item: ClientFeedItem<TData>) => void;
  /** The unread count changed (a push, or a mark-read in another tab). */
  onUnread?: (unread: number) => void;
  /** Too much was missed while disconnected: refetch the first page of history. */
  onReset?: () => void;
  /** The connection dropped; the browser reconnects by itself and resumes after the last item. */
  onError?: (event: Event) => void;
  /** The stream is (re)connected. */
  onOpen?: () => void;
}

/** Options for {@link subscribeToFeed}. */
export interface SubscribeOptions {
  /** Send cookies to a cross-origin stream URL. @default false */
  withCredentials?: boolean;
  /** An `EventSource` implementation, for environments without a global one. @default globalThis.EventSource */
  EventSource?: typeof EventSource;
}

/**
 * Subscribes to a feed stream (`feed.stream` on the server) with the browser's `EventSource`,
 * which reconnects by itself and sends `Last-Event-ID`, so the server resumes exactly after the
 * last item this page saw. Returns a function that closes the stream.
 *
 * @example
 * ```ts
 * import { subscribeToFeed } from "@switchboard/sse/client";
 *
 * const stop = subscribeToFeed<{ title: string }>("/api/notifications/stream", {
 *   onItem: (item) => render(item.data.title),
 *   onUnread: (n) => setBadge(n),
 *   onReset: () => reloadHistory(),
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
  const source = new Source(url, { withCredentials: options.withCredentials ?? false });
  const parse = <T>(event: Event): T | undefined => {
    try {
      return JSON.parse((event as MessageEvent<string>).data) as T;
    } catch {
      return undefined;
    }
  };
  source.addEventListener("notification", (event) => {
    const item = parse<ClientFeedItem<TData>>(event);
    if (item) handlers.onItem?.(item);
  });
  source.addEventListener("unread", (event) => {
    const body = parse<{ unread: number }>(event);
    if (body) handlers.onUnread?.(body.unread);
  });
  source.addEventListener("reset", () => handlers.onReset?.());
  source.addEventListener("open", () => handlers.onOpen?.());
  source.addEventListener("error", (event) => handlers.onError?.(event));
  return () => source.close();
}
