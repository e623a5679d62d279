/** Who did what an item reports: the person who commented, liked, assigned. */
export interface FeedActor {
  /** Stable id (your user id): actors are told apart by it. Non-empty, at most 200 characters. */
  id: string;
  /** Display name, e.g. "Ada". */
  name?: string;
  /** Avatar image URL. */
  avatarUrl?: string;
}

/** One notification in a recipient's feed. */
export interface FeedItem<TData = unknown> {
  /** Per-recipient sequence number: strictly increasing, never reused. Also the SSE `id:`. */
  id: number;
  /** Unix milliseconds when this item (or its latest grouped update) was pushed. */
  createdAt: number;
  /** Opened by the recipient. Read implies {@link FeedItem.seen}. */
  read: boolean;
  /** Shown to the recipient (the bell was opened); the badge counts items not seen. */
  seen: boolean;
  /** Moved out of the inbox; archived items are left out of the inbox counts. */
  archived: boolean;
  /** The payload, as validated by the feed's schema. For a group, the latest item's payload. */
  data: TData;
  /** Items pushed with the same `groupKey` inside the group window collapse into this one. */
  groupKey: string | undefined;
  /** How many pushes this item stands for (1, or more for a group or a rate-limit summary). */
  count: number;
  /** `true` for the summary that collects pushes over the per-recipient rate limit. */
  summary: boolean;
  /** The push's `category` (for a group, the latest push's), for filters and preferences. */
  category: string | undefined;
  /**
   * Who did it: distinct by id, most recent first, at most the feed's `maxActors`. A non-group
   * item has its push's actor, or none.
   */
  actors: FeedActor[];
  /** Distinct actors in total, for "Ada, Bob and 13 others" (`actorCount - actors.length` others). */
  actorCount: number;
  /**
   * The payloads this item stands for, most recent first, at most the feed's `maxGrouped`
   * (`grouped[0]` is `data`). A non-group item has `[data]`.
   */
  grouped: TData[];
}

/** What a store keeps per item; `read`, `seen` and `archived` are flags kept beside it. */
export type StoredFeedItem = Omit<FeedItem, "read" | "seen" | "archived"> & { groupStartedAt: number };

/**
 * A recipient's counts. `total`, `unseen` and `unread` count items that are NOT archived (the
 * inbox); `archived` counts archived items.
 */
export interface FeedCounts {
  total: number;
  /** The badge: inbox items not yet shown. */
  unseen: number;
  unread: number;
  archived: number;
}

/** Which items `feed.list` returns. `inbox` (the default) is every item not archived. */
export type FeedStatus = "inbox" | "unread" | "unseen" | "archived" | "all";

/**
 * Flags changed on existing items (a `state` event on the stream): `ids` (or every item) now
 * have the flags given; a flag left out did not change.
 */
export interface FeedStateChange {
  ids: number[] | "all";
  seen?: boolean;
  read?: boolean;
  archived?: boolean;
}

/** One page of a feed. */
export interface FeedPage<TData = unknown> {
  /** Newest first. */
  items: FeedItem<TData>[];
  /** Pass as `before` for the next (older) page with the same filters; `undefined` on the last page. */
  nextCursor: number | undefined;
  /** Unread items in the inbox (`counts.unread`), for clients written before `counts`. */
  unread: number;
  counts: FeedCounts;
}
