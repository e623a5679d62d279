import type { FeedItem, StoredFeedItem } from "./feed-item";

/** How a push is stored: the write rules the store must apply atomically. */
export interface AppendOptions {
  /** Keep at most this many items; older ones are trimmed. */
  maxItems: number;
  /** Expire the recipient's keys this long after their last write (seconds); 0 = never. */
  ttlSeconds: number;
  /** Collapse into the live item with this key, if it started less than `groupWindowMs` ago. */
  groupKey: string | undefined;
  groupWindowMs: number;
  /** At most this many pushes per `rateWindowMs`; the overflow collapses into one summary item. 0 = off. */
  rateLimit: number;
  rateWindowMs: number;
}

/** The result of a push: the stored item and the recipient's unread count after it. */
export interface AppendResult {
  item: FeedItem;
  unread: number;
  /** The id of the item this push replaced (a group or summary update), if any. */
  replaced: number | undefined;
}

/**
 * Where a feed lives. `memoryFeedStore()` and `redisFeedStore({ redis })` implement it; each
 * method is one atomic step, so concurrent writers never lose or duplicate an item.
 */
export interface FeedStore {
  append(recipient: string, data: unknown, createdAt: number, options: AppendOptions): Promise<AppendResult>;
  /** Newest first, ids below `before` (exclusive), at most `limit`. */
  list(
    recipient: string,
    before: number | undefined,
    limit: number,
  ): Promise<{ items: FeedItem[]; unread: number; more: boolean }>;
  /** Oldest first, ids above `after`, at most `limit`; `more` when there were more. */
  since(recipient: string, after: number, limit: number): Promise<{ items: FeedItem[]; more: boolean }>;
  /** Marks items (or all) read and returns the unread count after. */
  markRead(recipient: string, ids: readonly number[] | "all"): Promise<number>;
  remove(recipient: string, ids: readonly number[]): Promise<number>;
  unreadCount(recipient: string): Promise<number>;
  /** The newest id of a recipient (0 when empty). */
  latestId(recipient: string): Promise<number>;
  /**
   * Newest id, unread count and change counter in one round trip: what a stream needs when it
   * opens. Starting the shared poller from this version means no change between the stream's
   * first read and its first poll is missed, and no stream needs waking just because it is new.
   */
  snapshot(recipient: string): Promise<{ latestId: number; unread: number; version: number }>;
  /**
   * A change counter per recipient, for many recipients in ONE round trip: the shared poller calls
   * this once per interval for every open stream, so idle cost does not grow with connections.
   */
  versions(recipients: readonly string[]): Promise<number[]>;
}

/** Turns a stored item into a public one. */
export function toFeedItem(stored: StoredFeedItem, read: boolean): FeedItem {
  return {
    id: stored.id,
    createdAt: stored.createdAt,
    read,
    data: stored.data,
    groupKey: stored.groupKey,
    count: stored.count,
    summary: stored.summary,
  };
}
