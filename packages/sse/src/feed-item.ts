/** One notification in a recipient's feed. */
export interface FeedItem<TData = unknown> {
  /** Per-recipient sequence number: strictly increasing, never reused. Also the SSE `id:`. */
  id: number;
  /** Unix milliseconds when this item (or its latest grouped update) was pushed. */
  createdAt: number;
  read: boolean;
  /** The payload, as validated by the feed's schema. For a group, the latest item's payload. */
  data: TData;
  /** Items pushed with the same `groupKey` inside the group window collapse into this one. */
  groupKey: string | undefined;
  /** How many pushes this item stands for (1, or more for a group or a rate-limit summary). */
  count: number;
  /** `true` for the summary that collects pushes over the per-recipient rate limit. */
  summary: boolean;
}

/** What a store keeps per item; `read` is derived from the unread set. */
export type StoredFeedItem = Omit<FeedItem, "read"> & { groupStartedAt: number };

/** One page of a feed. */
export interface FeedPage<TData = unknown> {
  /** Newest first. */
  items: FeedItem<TData>[];
  /** Pass as `before` for the next (older) page; `undefined` on the last page. */
  nextCursor: number | undefined;
  unread: number;
}
