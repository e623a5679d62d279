import type { ClientFeedItem } from "../client";
import type { FeedCounts, FeedStateChange } from "../feed-item";

export type { FeedCounts, FeedStateChange, FeedStatus } from "../feed-item";

/** What a mark does: the `action` of the feed route's POST body. */
export type FeedAction = "seen" | "read" | "unread" | "archive" | "unarchive";

/** An item as the hook keeps it: the stream's and the page's item. */
export type LiveFeedItem<TData = unknown> = ClientFeedItem<TData>;

/** One page as `GET <url>?view=page` answers it. */
export interface FeedPageBody<TData = unknown> {
  items: LiveFeedItem<TData>[];
  nextCursor: number | undefined;
  counts: FeedCounts;
}

/** The change a mark makes to each item it names. */
export function changeOf(action: FeedAction, marked: readonly number[] | "all"): FeedStateChange {
  const ids = marked === "all" ? "all" : [...marked];
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
  if (!isRecord(value) || !isId(value.id) || !Number.isFinite(value.createdAt)) return undefined;
  const { read, seen, archived, count, summary, actors, actorCount, grouped } = value;
  if (typeof read !== "boolean" || typeof seen !== "boolean" || typeof archived !== "boolean")
    return undefined;
  if (!isCount(count) || typeof summary !== "boolean" || !isCount(actorCount)) return undefined;
  if (!Array.isArray(actors) || !Array.isArray(grouped)) return undefined;
  const { groupKey, category } = value;
  if (groupKey !== undefined && groupKey !== null && typeof groupKey !== "string") return undefined;
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

/** A page body (`{ items, nextCursor, counts }`), or `undefined`. */
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
  const counts = readCounts(value.counts);
  return counts && { items, nextCursor: nextCursor ?? undefined, counts };
}
