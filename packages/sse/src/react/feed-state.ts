import {
  changeOf,
  type FeedAction,
  type FeedCounts,
  type FeedPageBody,
  type FeedStateChange,
  type FeedStatus,
  type LiveFeedItem,
} from "./feed-protocol";

/**
 * What a tab knows of a feed, as the server said it: the items it loaded or was streamed (newest
 * first), the counts, and where the next (older) page starts. Marks not yet answered are kept
 * apart ({@link PendingMark}) and applied on top by {@link viewFeed}, so a failed one rolls back
 * by being dropped, whatever arrived meanwhile.
 */
export interface FeedState<TData = unknown> {
  /** Newest first, by id; every view's items (the filter is applied by {@link viewFeed}). */
  items: readonly LiveFeedItem<TData>[];
  counts: FeedCounts;
  /** `before` for the next page; `undefined` when the last page is loaded. */
  cursor: number | undefined;
  /** Pages loaded (the first counts), so a refresh refetches as many. */
  pages: number;
}

/** A mark sent and not yet answered. */
export interface PendingMark {
  action: FeedAction;
  ids: readonly number[] | "all";
  /** For `"all"`: the newest id the tab knew when it marked (newer items are not marked). */
  upTo: number;
}

/** The state before the first page. */
export const EMPTY_FEED: FeedState<never> = {
  items: [],
  counts: { total: 0, unseen: 0, unread: 0, archived: 0 },
  cursor: undefined,
  pages: 0,
};

/**
 * A page arrived. The first page (`first`) replaces what the tab held, keeping only stream items
 * newer than the page (pushed while it loaded); a later page adds older items.
 */
export function withPage<TData>(
  state: FeedState<TData>,
  page: FeedPageBody<TData>,
  first: boolean,
): FeedState<TData> {
  const newest = page.items[0]?.id ?? 0;
  const kept = first ? state.items.filter((item) => item.id > newest) : state.items;
  let next: FeedState<TData> = { ...state, items: kept, counts: page.counts };
  for (const item of page.items) next = withItem(next, item, false);
  return { ...next, cursor: page.nextCursor, pages: first ? 1 : state.pages + 1 };
}

/** Where an item files for replacement: a group's new item replaces the group's older one. */
const groupOf = (item: LiveFeedItem<unknown>) =>
  item.summary ? "summary" : typeof item.groupKey === "string" ? `g:${item.groupKey}` : undefined;

/**
 * A stream item (or a page item when `live` is false). Same id: replaced. A group's new item
 * (`count` > 1: it took over the group) removes the group's older item. An item older than the
 * loaded pages while more pages remain is left to `loadMore`, so the list has no holes.
 */
export function withItem<TData>(
  state: FeedState<TData>,
  item: LiveFeedItem<TData>,
  live = true,
): FeedState<TData> {
  const oldest = state.items.at(-1)?.id;
  if (live && state.cursor !== undefined && oldest !== undefined && item.id < oldest) return state;
  const group = item.count > 1 ? groupOf(item) : undefined;
  const items = state.items.filter(
    (other) =>
      other.id !== item.id && (group === undefined || other.id > item.id || groupOf(other) !== group),
  );
  const at = items.findIndex((other) => other.id < item.id);
  items.splice(at === -1 ? items.length : at, 0, item);
  return { ...state, items };
}

/** Flags set on items (a `state` event, or a mark). Counts are not touched: they come from the server. */
export function withChange<TData>(
  state: FeedState<TData>,
  change: FeedStateChange,
  upTo = Number.MAX_SAFE_INTEGER,
): FeedState<TData> {
  const ids = change.ids === "all" ? undefined : new Set(change.ids);
  let changed = false;
  const items = state.items.map((item) => {
    if (ids ? !ids.has(item.id) : item.id > upTo) return item;
    const next = changed1(item, change);
    if (next !== item) changed = true;
    return next;
  });
  return changed ? { ...state, items } : state;
}

function changed1<TData>(item: LiveFeedItem<TData>, change: FeedStateChange): LiveFeedItem<TData> {
  const read = change.read ?? item.read;
  // Read implies seen; an unread item keeps whether it was seen.
  const seen = change.seen ?? (read ? true : item.seen);
  const archived = change.archived ?? item.archived;
  if (read === item.read && seen === item.seen && archived === item.archived) return item;
  return { ...item, read, seen, archived };
}

/** Counts from the server (a `counts` event, a mark's answer). */
export function withCounts<TData>(state: FeedState<TData>, counts: FeedCounts): FeedState<TData> {
  return { ...state, counts };
}

/** A server that only sends `unread` (before counts): keep the rest. */
export function withUnread<TData>(state: FeedState<TData>, unread: number): FeedState<TData> {
  return { ...state, counts: { ...state.counts, unread, unseen: Math.min(state.counts.unseen, unread) } };
}

/** What an item adds to the counts. */
function weigh(item: LiveFeedItem<unknown>): FeedCounts {
  if (item.archived) return { total: 0, unseen: 0, unread: 0, archived: 1 };
  return { total: 1, unseen: item.seen ? 0 : 1, unread: item.read ? 0 : 1, archived: 0 };
}

/**
 * A mark applied as if the server had answered: the items' flags, and the counts moved by what
 * changed among the items the tab holds (`"all"` sets the counts outright, as the server will).
 */
export function withMark<TData>(state: FeedState<TData>, mark: PendingMark): FeedState<TData> {
  const marked = withChange(state, changeOf(mark.action, mark.ids), mark.upTo);
  const counts = { ...state.counts };
  if (mark.ids === "all") {
    if (mark.action === "seen") counts.unseen = 0;
    if (mark.action === "read") counts.unseen = counts.unread = 0;
    if (mark.action === "archive") {
      counts.archived += counts.total;
      counts.total = counts.unseen = counts.unread = 0;
    }
  } else {
    for (let i = 0; i < state.items.length; i++) {
      const before = state.items[i]!;
      const after = marked.items[i]!;
      if (before === after) continue;
      const [was, is] = [weigh(before), weigh(after)];
      for (const key of ["total", "unseen", "unread", "archived"] as const) {
        counts[key] = Math.max(0, counts[key] + is[key] - was[key]);
      }
    }
  }
  return { ...marked, counts };
}

/** Whether an item belongs in a view. */
export function inView(item: LiveFeedItem<unknown>, view: FeedStatus, category?: string): boolean {
  if (category !== undefined && item.category !== category) return false;
  switch (view) {
    case "all":
      return true;
    case "archived":
      return item.archived;
    case "unread":
      return !item.archived && !item.read;
    case "unseen":
      return !item.archived && !item.seen;
    case "inbox":
      return !item.archived;
  }
}

/** What the tab shows: the server's state with the unanswered marks on top, filtered to the view. */
export function viewFeed<TData>(
  state: FeedState<TData>,
  pending: readonly PendingMark[],
  view: FeedStatus,
  category?: string,
): { items: LiveFeedItem<TData>[]; counts: FeedCounts } {
  const shown = pending.reduce(withMark, state);
  return { items: shown.items.filter((item) => inView(item, view, category)), counts: shown.counts };
}
