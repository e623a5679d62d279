import type { ClientFeedItem } from "../client";

/**
 * The feed's counts (SPEC-17): `total`, `unseen` and `unread` count items that are not archived;
 * `archived` counts archived ones. The badge of a bell is `unseen`.
 */
export interface FeedCounts {
  total: number;
  unseen: number;
  unread: number;
  archived: number;
}

/** Which items a page (and the hook) shows. `inbox` is every item not archived. */
export type FeedView = "inbox" | "unread" | "unseen" | "archived" | "all";

/** What a mark does: the `action` of the feed route's POST body. */
export type FeedAction = "seen" | "read" | "unread" | "archive" | "unarchive";

/**
 * Flags changed on existing items: the data of the stream's `state` event, and what a mark
 * does to the items it names.
 */
export interface FeedStateChange {
  ids: readonly number[] | "all";
  seen?: boolean;
  read?: boolean;
  archived?: boolean;
}

/**
 * An item as the hook keeps it: the stream's and the page's item, with the flags of the feed
 * model. A server from before seen/archived sends neither: `seen` is then `read`, `archived` false.
 */
export type LiveFeedItem<TData = unknown> = ClientFeedItem<TData> & {
  seen?: boolean;
  archived?: boolean;
  category?: string | null;
};

/** One page as `GET <url>?view=page` answers it. */
export interface FeedPageBody<TData = unknown> {
  items: LiveFeedItem<TData>[];
  nextCursor: number | undefined;
  counts: FeedCounts;
}

/** The change a mark makes to each item it names. */
export function changeOf(action: FeedAction, ids: readonly number[] | "all"): FeedStateChange {
  switch (action) {
    case "seen":
      return { ids, seen: true };
    case "read":
      return { ids, read: true, seen: true };
    case "unread":
      return { ids, read: false };
    case "archive":
      return { ids, archived: true };
    case "unarchive":
      return { ids, archived: false };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** An item from the wire (a page, a stream event, another tab), or `undefined` when it is not one. */
export function readItem<TData>(value: unknown): LiveFeedItem<TData> | undefined {
  if (!isRecord(value) || !isId(value.id) || typeof value.read !== "boolean") return undefined;
  if (!isCount(value.count) || typeof value.summary !== "boolean" || !Number.isFinite(value.createdAt))
    return undefined;
  if (value.seen !== undefined && typeof value.seen !== "boolean") return undefined;
  if (value.archived !== undefined && typeof value.archived !== "boolean") return undefined;
  const groupKey = value.groupKey;
  if (groupKey !== undefined && groupKey !== null && typeof groupKey !== "string") return undefined;
  const category = value.category;
  if (category !== undefined && category !== null && typeof category !== "string") return undefined;
  return value as unknown as LiveFeedItem<TData>;
}

/** Counts from the wire, or `undefined`. */
export function readCounts(value: unknown): FeedCounts | undefined {
  if (!isRecord(value)) return undefined;
  const { total, unseen, unread, archived } = value;
  if (!isCount(total) || !isCount(unseen) || !isCount(unread) || !isCount(archived)) return undefined;
  return { total, unseen, unread, archived };
}

/** A `state` event's data, or `undefined`. */
export function readStateChange(value: unknown): FeedStateChange | undefined {
  if (!isRecord(value)) return undefined;
  const { ids } = value;
  if (ids !== "all" && !(Array.isArray(ids) && ids.every(isId))) return undefined;
  const change: FeedStateChange = { ids: ids === "all" ? "all" : [...ids] };
  for (const flag of ["seen", "read", "archived"] as const) {
    const set = value[flag];
    if (set === undefined) continue;
    if (typeof set !== "boolean") return undefined;
    change[flag] = set;
  }
  return change;
}

/**
 * A page body, or `undefined`. A server from before the counts (only `unread`) gets counts
 * from what it does say: `unseen` is `unread`, `total` the items of the page.
 */
export function readPage<TData>(value: unknown): FeedPageBody<TData> | undefined {
  if (!isRecord(value) || !Array.isArray(value.items)) return undefined;
  const items: LiveFeedItem<TData>[] = [];
  for (const raw of value.items) {
    const item = readItem<TData>(raw);
    if (!item) return undefined;
    items.push(item);
  }
  const { nextCursor } = value;
  if (nextCursor !== undefined && nextCursor !== null && !isId(nextCursor)) return undefined;
  let counts = readCounts(value.counts);
  if (!counts) {
    if (!isCount(value.unread)) return undefined;
    counts = { total: items.length, unseen: value.unread, unread: value.unread, archived: 0 };
  }
  return { items, nextCursor: nextCursor ?? undefined, counts };
}
