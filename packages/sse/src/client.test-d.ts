import { describe, expectTypeOf, it } from "vitest";
import { type ClientFeedItem, type ClientFeedPage, type FeedCounts, subscribeToFeed } from "./client";

describe("client types", () => {
  it("passes the item type to onItem and returns the stop function", () => {
    const stop = subscribeToFeed<{ title: string }>("/stream", {
      onItem: (item) => expectTypeOf(item).toEqualTypeOf<ClientFeedItem<{ title: string }>>(),
      onUnread: (n) => expectTypeOf(n).toBeNumber(),
      onCounts: (counts) => expectTypeOf(counts).toEqualTypeOf<FeedCounts>(),
      onState: (state) => expectTypeOf(state.ids).toEqualTypeOf<number[] | "all">(),
      onRefresh: () => {},
    });
    expectTypeOf(stop).toEqualTypeOf<() => void>();
  });

  it("types items and pages with the new fields", () => {
    expectTypeOf<ClientFeedItem<{ title: string }>["grouped"]>().toEqualTypeOf<{ title: string }[]>();
    expectTypeOf<ClientFeedItem["actors"][number]["id"]>().toBeString();
    expectTypeOf<ClientFeedPage<{ title: string }>["nextCursor"]>().toEqualTypeOf<number | null>();
    expectTypeOf<ClientFeedPage["counts"]>().toEqualTypeOf<FeedCounts>();
  });
});
