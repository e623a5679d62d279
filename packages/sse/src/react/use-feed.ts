import { useEffect, useMemo, useSyncExternalStore } from "react";
import type { FeedWithSchema, InferFeedData } from "../infer-feed";
import type { LiveFeedItem } from "./feed-protocol";
import { createLiveFeed, type FeedActions, type LiveFeedSnapshot, type UseFeedOptions } from "./live-feed";

/** A feed item as `useFeed` returns it: the feed's data, typed from its schema. */
export type UseFeedItem<TFeed extends FeedWithSchema> = LiveFeedItem<InferFeedData<TFeed>>;

/** What `useFeed` returns: the feed as shown now, and what the user can do with it. */
export interface UseFeedResult<TItem> extends LiveFeedSnapshot<TItem>, FeedActions {}

/**
 * A user's feed, live: the first page of `url` (your `feed.handler` route), new items as they
 * are pushed, counts for the badge, older pages on demand, and marks (seen, read, unread,
 * archive, unarchive) shown at once and rolled back, with `error` set, when the server refuses
 * them. One stream per browser: the tabs elect one that holds it and passes its events to the
 * others (Web Locks, else heartbeats over `BroadcastChannel`); when it closes, another takes over
 * where it left off. Items are typed from the feed's schema through a type-only import, so no
 * server code reaches the bundle.
 *
 * Invalid arguments (a bad URL or option, ids that are not item ids) throw a `FeedError`; a
 * failed request never throws: it sets `error`.
 *
 * @example
 * ```tsx
 * "use client";
 * import { useFeed } from "@switchboard/sse/react";
 * import type { feed } from "@/lib/feed";
 *
 * export function Bell() {
 *   const { items, counts, markSeen, markRead } = useFeed<typeof feed>("/api/feed");
 *   return (
 *     <details onToggle={(e) => e.currentTarget.open && markSeen("all")}>
 *       <summary>🔔 {counts.unseen > 0 && counts.unseen}</summary>
 *       {items.map((item) => (
 *         <button key={item.id} onClick={() => markRead([item.id])}>{item.data.title}</button>
 *       ))}
 *     </details>
 *   );
 * }
 * ```
 */
export function useFeed<TFeed extends FeedWithSchema = FeedWithSchema>(
  url: string,
  options: UseFeedOptions = {},
): UseFeedResult<UseFeedItem<TFeed>> {
  const { status, category, limit, share, withCredentials } = options;
  const live = useMemo(
    () => createLiveFeed<InferFeedData<TFeed>>(url, { status, category, limit, share, withCredentials }),
    [url, status, category, limit, share, withCredentials],
  );
  useEffect(() => {
    live.start();
    return () => live.stop();
  }, [live]);
  const snapshot = useSyncExternalStore(live.subscribe, live.getSnapshot, live.getSnapshot);
  return useMemo(
    () => ({
      ...snapshot,
      loadMore: live.loadMore,
      refresh: live.refresh,
      markSeen: live.markSeen,
      markRead: live.markRead,
      markUnread: live.markUnread,
      archive: live.archive,
      unarchive: live.unarchive,
    }),
    [snapshot, live],
  );
}
