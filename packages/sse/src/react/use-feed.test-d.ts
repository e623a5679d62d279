import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createFeed } from "../create-feed";
import { type FeedCounts, type UseFeedItem, useFeed } from "./index";

const feed = createFeed({
  schema: z.object({ title: z.string(), href: z.string().optional(), at: z.iso.datetime() }),
});

/** A component as an app writes it: the result typed from the server feed. */
function Bell() {
  const result = useFeed<typeof feed>("/api/feed", { status: "unread", limit: 10 });
  expectTypeOf(result.items[0]!.data).toEqualTypeOf<{
    title: string;
    href?: string | undefined;
    at: string;
  }>();
  expectTypeOf(result.items).toEqualTypeOf<UseFeedItem<typeof feed>[]>();
  expectTypeOf(result.counts).toEqualTypeOf<FeedCounts>();
  expectTypeOf(result.status).toEqualTypeOf<"connecting" | "open" | "reconnecting" | "closed">();
  expectTypeOf(result.hasMore).toBeBoolean();
  expectTypeOf(result.markRead).parameter(0).toEqualTypeOf<readonly number[] | "all">();
  expectTypeOf(result.markUnread).parameter(0).toEqualTypeOf<readonly number[]>();
  expectTypeOf(result.loadMore).returns.toEqualTypeOf<Promise<void>>();
  // @ts-expect-error markUnread("all") is not a thing: name the items
  void result.markUnread("all");
  // @ts-expect-error unknown views are refused
  useFeed<typeof feed>("/api/feed", { status: "new" });
  return null;
}

/** Without a feed type the data is unknown. */
function Plain() {
  const { items } = useFeed("/api/feed");
  expectTypeOf(items[0]!.data).toBeUnknown();
  return null;
}

describe("useFeed types", () => {
  it("types items from the server feed's schema, with no schema restated; unknown without one", () => {
    expectTypeOf(Bell).returns.toBeNull();
    expectTypeOf(Plain).returns.toBeNull();
  });
});
