import { describe, expect, it } from "vitest";
import type { LiveFeedItem } from "./feed-protocol";
import { EMPTY_FEED, type FeedState, viewFeed, withChange, withItem, withMark, withPage } from "./feed-state";

const item = (id: number, extra: Partial<LiveFeedItem<string>> = {}) =>
  ({
    id,
    createdAt: id,
    read: false,
    seen: false,
    archived: false,
    data: `n${id}`,
    groupKey: undefined,
    count: 1,
    summary: false,
    actors: [],
    actorCount: 0,
    grouped: [],
    ...extra,
  }) as LiveFeedItem<string>;
const counts = { total: 3, unseen: 3, unread: 3, archived: 0 };
const page = (ids: number[], nextCursor?: number) => ({
  items: ids.map((id) => item(id)),
  nextCursor,
  counts,
});
const ids = (state: { items: readonly LiveFeedItem<unknown>[] }) => state.items.map((i) => i.id);

describe("feed state", () => {
  it("merges pages, stream items and resumed replays without duplicates or holes", () => {
    let state: FeedState<string> = withPage(EMPTY_FEED, page([5, 4, 3], 3), true);
    expect(state.cursor).toBe(3);
    state = withItem(state, item(6));
    state = withItem(state, item(6)); // replayed after a reconnect / seen from two tabs
    state = withItem(state, item(7));
    state = withItem(state, item(1)); // older than the loaded pages: loadMore will bring it
    expect(ids(state)).toEqual([7, 6, 5, 4, 3]);
    state = withPage(state, page([2, 1]), false);
    expect(ids(state)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(state.cursor).toBeUndefined();
    expect(state.pages).toBe(2);
  });

  it("a refresh's first page replaces what was held but keeps items streamed while it loaded", () => {
    let state: FeedState<string> = withPage(EMPTY_FEED, page([5, 4, 3], 3), true);
    state = withPage(state, page([2], 1), false);
    state = withItem(state, item(9));
    state = withPage(state, page([8, 6], 6), true); // 5..3 were deleted or archived meanwhile
    expect(ids(state)).toEqual([9, 8, 6]);
    expect(state.pages).toBe(1);
  });

  it("a group's new item replaces the group's older item; a fresh group (count 1) does not", () => {
    let state: FeedState<string> = withPage(
      EMPTY_FEED,
      { ...page([]), items: [item(3, { groupKey: "t:1" })] },
      true,
    );
    state = withItem(state, item(4));
    state = withItem(state, item(5, { groupKey: "t:1", count: 2 }));
    expect(ids(state)).toEqual([5, 4]);
    state = withItem(state, item(8, { groupKey: "t:1", count: 1 })); // after the group window
    expect(ids(state)).toEqual([8, 5, 4]);
    // The rate-limit summary files apart from users' keys, even one named like it.
    state = withItem(state, item(9, { summary: true, groupKey: "~overflow" }));
    state = withItem(state, item(10, { groupKey: "~overflow", count: 2 }));
    state = withItem(state, item(11, { summary: true, groupKey: "~overflow", count: 2 }));
    expect(ids(state)).toEqual([11, 10, 8, 5, 4]);
  });

  it("state changes set flags; read implies seen; unread keeps seen", () => {
    let state: FeedState<string> = withPage(EMPTY_FEED, page([3, 2, 1]), true);
    state = withChange(state, { ids: [2], read: true });
    expect(state.items[1]).toMatchObject({ id: 2, read: true, seen: true });
    state = withChange(state, { ids: [2], read: false });
    expect(state.items[1]).toMatchObject({ id: 2, read: false, seen: true });
    state = withChange(state, { ids: "all", archived: true });
    expect(state.items.every((i) => i.archived)).toBe(true);
    expect(withChange(state, { ids: [99], read: true })).toBe(state);
  });

  it("marks move the counts by what changed among the held items, and 'all' sets them", () => {
    let state: FeedState<string> = withPage(EMPTY_FEED, page([3, 2, 1]), true);
    state = withChange(state, { ids: [1], read: true });
    const base = { ...state, counts: { total: 10, unseen: 8, unread: 9, archived: 2 } };
    expect(withMark(base, { action: "read", ids: [1, 2, 99], upTo: 3 }).counts).toEqual({
      total: 10,
      unseen: 7,
      unread: 8,
      archived: 2,
    });
    expect(withMark(base, { action: "archive", ids: [1, 3], upTo: 3 }).counts).toEqual({
      total: 8,
      unseen: 7,
      unread: 8,
      archived: 4,
    });
    expect(withMark(base, { action: "seen", ids: "all", upTo: 3 }).counts).toMatchObject({
      unseen: 0,
      unread: 9,
    });
    expect(withMark(base, { action: "archive", ids: "all", upTo: 3 }).counts).toEqual({
      total: 0,
      unseen: 0,
      unread: 0,
      archived: 12,
    });
  });

  it("'all' marks only the items the tab knew when it marked", () => {
    let state: FeedState<string> = withPage(EMPTY_FEED, page([2, 1]), true);
    state = withItem(state, item(3));
    const shown = withMark(state, { action: "read", ids: "all", upTo: 2 });
    expect(shown.items.map((i) => i.read)).toEqual([false, true, true]);
  });

  it("views apply pending marks on top and filter; dropping a mark rolls it back, keeping what arrived", () => {
    let state: FeedState<string> = withPage(
      EMPTY_FEED,
      { ...page([2, 1]), items: [item(2, { category: "comments" }), item(1)] },
      true,
    );
    const pending = [{ action: "archive" as const, ids: [2], upTo: 2 }];
    expect(ids(viewFeed(state, pending, "inbox"))).toEqual([1]);
    expect(ids(viewFeed(state, pending, "archived"))).toEqual([2]);
    state = withItem(state, item(3)); // arrives while the mark is in flight
    expect(ids(viewFeed(state, pending, "inbox"))).toEqual([3, 1]);
    expect(ids(viewFeed(state, [], "inbox"))).toEqual([3, 2, 1]); // the POST failed
    expect(ids(viewFeed(state, [], "inbox", "comments"))).toEqual([2]);
    expect(ids(viewFeed(state, [{ action: "read", ids: [3], upTo: 3 }], "unread"))).toEqual([2, 1]);
  });
});
