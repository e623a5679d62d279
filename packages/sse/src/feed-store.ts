import type {
  FeedActor,
  FeedCounts,
  FeedItem,
  FeedStateChange,
  FeedStatus,
  StoredFeedItem,
} from "./feed-item";

/** How a push is stored: the write rules the store must apply atomically. */
export interface AppendOptions {
  /** Keep at most this many items; older ones are trimmed. */
  maxItems: number;
  /**
   * Expire the recipient's feed this long after its last push (seconds); 0 = never. Only a push
   * (append) sets the expiry: `markRead` and `remove` do not extend it. The rate-limit counter
   * is not included: it expires with its own window.
   */
  ttlSeconds: number;
  /** Collapse into the live item with this key, if it started less than `groupWindowMs` ago. */
  groupKey: string | undefined;
  groupWindowMs: number;
  /** At most this many pushes per `rateWindowMs`; the overflow collapses into one summary item. 0 = off. */
  rateLimit: number;
  rateWindowMs: number;
  /** Who did it; a group keeps its distinct actors. */
  actor?: FeedActor | undefined;
  category?: string | undefined;
  /** A group keeps at most this many actors (most recent first). */
  maxActors: number;
  /** A group keeps at most this many payloads (most recent first). */
  maxGrouped: number;
  /** A push with a key seen within `dedupeWindowMs` changes nothing (a retried delivery). */
  dedupeKey?: string | undefined;
  dedupeWindowMs?: number;
}

/** The result of a push: the stored item and the recipient's counts after it. */
export interface AppendResult {
  item: FeedItem;
  unread: number;
  counts: FeedCounts;
  /** The id of the item this push replaced (a group or summary update), if any. */
  replaced: number | undefined;
  /**
   * `true` when the push's `dedupeKey` was seen within the window: nothing changed, and `item` is
   * the item now standing for the first push (see `PushOptions.dedupeKey`).
   */
  duplicate?: boolean;
  /** The recipient's change counter after the push. */
  version: number;
  /**
   * The feed's epoch after the push. With it, streams in this process write the pushed item
   * without reading it back; a store that leaves it out only costs them one read.
   */
  epoch?: string;
}

/** A write's effect on the recipient: what streams need to know. */
export interface WriteResult {
  /** Unread count after the write (`counts.unread`). */
  unread: number;
  counts: FeedCounts;
  /** The recipient's change counter after the write. */
  version: number;
  /** The feed's epoch ("" while it does not exist); see {@link AppendResult.epoch}. */
  epoch?: string;
}

/**
 * What one write changed, as the writer knows it: enough for an open stream that is exactly one
 * change behind to write it without reading the store. Carried in the pub/sub message.
 */
export interface FeedChange {
  /** The recipient's change counter after the write: a stream applies it only if it holds `version - 1`. */
  version: number;
  /** The feed's epoch after the write ("" while it does not exist). */
  epoch: string;
  /** Unread count after the write. */
  unread: number;
  /** Counts after the write (absent in a message from a writer before counts). */
  counts?: FeedCounts;
  /** Flags the write changed on existing items (mark seen / read / unread, archive). */
  state?: FeedStateChange;
  /** The pushed item, for a push whose item fit in the message. */
  item?: FeedItem;
  /** A push whose item was too large to carry: its id only, so streams read it. */
  itemId?: number;
}

/** One recipient's read in {@link FeedStore.sinceMany}. */
export interface SinceRequest {
  recipient: string;
  /** Items with ids above this. */
  after: number;
  /** At most this many items. */
  limit: number;
}

/** What a stream reads when it catches up. */
export interface SinceResult {
  /** Oldest first, ids above `after`, at most `limit`. */
  items: FeedItem[];
  /** `true` when more than `limit` items follow `after`. */
  more: boolean;
  unread: number;
  counts: FeedCounts;
  /** The newest id ever issued to the recipient (0 when empty). */
  latestId: number;
  version: number;
  /**
   * Names this incarnation of the recipient's feed: set when the feed is created, new when it is
   * created again after it expired or was deleted ("" while the feed does not exist). Item ids
   * restart at 1 in a new epoch, so streams compare epochs, not only ids.
   */
  epoch: string;
}

/**
 * Where a feed lives. `memoryFeedStore()` and `redisFeedStore({ redis })` implement it; each
 * write is one atomic step, so concurrent writers never lose or duplicate an item.
 */
export interface FeedStore {
  append(recipient: string, data: unknown, createdAt: number, options: AppendOptions): Promise<AppendResult>;
  /**
   * Newest first, ids below `before` (exclusive), at most `limit`, only those matching `filter`
   * (default: the inbox, every item not archived).
   */
  list(
    recipient: string,
    before: number | undefined,
    limit: number,
    filter?: ListFilter,
  ): Promise<{ items: FeedItem[]; unread: number; counts: FeedCounts; more: boolean }>;
  /**
   * Items after `after` with the unread count, newest id and change counter, read together: what
   * a stream needs when it opens or wakes. One round trip when nothing is new.
   */
  since(recipient: string, after: number, limit: number): Promise<SinceResult>;
  /**
   * Sets flags on existing items (or all): `read: true` also sets `seen`. Ids that do not exist
   * are ignored; `WriteResult.state` lists the ids that do.
   */
  mark(
    recipient: string,
    ids: readonly number[] | "all",
    flags: FeedFlags,
  ): Promise<WriteResult & { state: FeedStateChange }>;
  /** Deletes items; `removed` is how many existed. */
  remove(recipient: string, ids: readonly number[]): Promise<WriteResult & { removed: number }>;
  unreadCount(recipient: string): Promise<number>;
  counts(recipient: string): Promise<FeedCounts>;
  /**
   * A change counter per recipient, for many recipients in ONE round trip: the shared poller calls
   * this once per interval for every open stream, so idle cost does not grow with connections.
   */
  versions(recipients: readonly string[]): Promise<number[]>;
  /**
   * Optional: `since` for many recipients in ONE round trip, results in request order. The shared
   * poller serves every stream a poll woke with one call; without it, each woken stream reads
   * on its own.
   */
  sinceMany?(requests: readonly SinceRequest[]): Promise<SinceResult[]>;
  /**
   * Optional push wake-up: calls `onChange` soon after any process writes to a recipient (Redis
   * pub/sub). With `change` (what the write did, see {@link FeedChange}) a stream one change
   * behind writes it without reading the store. The poller still polls, so a missed message only
   * costs latency. Returns the stop function.
   */
  subscribe?(onChange: (recipient: string, version: number, change?: FeedChange) => void): () => void;
}

/** Which items {@link FeedStore.list} returns. */
export interface ListFilter {
  /** @default "inbox" */
  status?: FeedStatus;
  category?: string | undefined;
}

/** The flags {@link FeedStore.mark} sets; one left out is not changed. */
export interface FeedFlags {
  seen?: boolean;
  read?: boolean;
  archived?: boolean;
}

/** An item's flags, as a store keeps them. */
export interface ItemFlags {
  read: boolean;
  seen: boolean;
  archived: boolean;
}

/** Turns a stored item into a public one. */
export function toFeedItem(stored: StoredFeedItem, flags: ItemFlags): FeedItem {
  return {
    id: stored.id,
    createdAt: stored.createdAt,
    read: flags.read,
    seen: flags.seen,
    archived: flags.archived,
    data: stored.data,
    groupKey: stored.groupKey,
    count: stored.count,
    summary: stored.summary,
    category: stored.category,
    actors: stored.actors,
    actorCount: stored.actorCount,
    grouped: stored.grouped,
  };
}

/** The flags of a fresh push (or a group update): unread, unseen, in the inbox. */
export const FRESH: ItemFlags = { read: false, seen: false, archived: false };

/** Whether an item with `flags` is listed under `status`. */
export function matchesStatus(flags: ItemFlags, status: FeedStatus): boolean {
  switch (status) {
    case "all":
      return true;
    case "archived":
      return flags.archived;
    case "unread":
      return !flags.archived && !flags.read;
    case "unseen":
      return !flags.archived && !flags.seen;
    default:
      return !flags.archived;
  }
}

/** The group key under which pushes over the rate limit collapse into one summary item. */
export const OVERFLOW_GROUP = "~overflow";

/**
 * Where a group is filed in a store: users' keys under `g:`, the rate-limit summary under
 * {@link OVERFLOW_GROUP}, so no user key (not even `"~overflow"`) can reach an internal group.
 */
export function groupField(groupKey: string, summary: boolean): string {
  return summary ? OVERFLOW_GROUP : `g:${groupKey}`;
}

/** The `state` a mark sends: `read: true` implies `seen: true`. */
export function stateChange(
  ids: number[] | "all",
  set: { seen?: boolean; read?: boolean; archived?: boolean },
): FeedStateChange {
  const change: FeedStateChange = { ids };
  if (set.read !== undefined) change.read = set.read;
  if (set.seen !== undefined || set.read === true) change.seen = set.seen ?? true;
  if (set.archived !== undefined) change.archived = set.archived;
  return change;
}

/**
 * The item a duplicate push stands for when it no longer exists (removed, or trimmed): rebuilt
 * from this push, with the first push's id. Only `push` returns it; nothing is stored.
 */
export function gone(id: number, data: unknown, createdAt: number, o: AppendOptions): StoredFeedItem {
  return {
    id,
    createdAt,
    data,
    groupKey: o.groupKey,
    groupStartedAt: createdAt,
    count: 1,
    summary: false,
    category: o.category,
    actors: o.actor ? [o.actor] : [],
    actorCount: o.actor ? 1 : 0,
    grouped: [data],
  };
}
