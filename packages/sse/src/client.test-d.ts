import { describe, expectTypeOf, it } from "vitest";
import { type ClientFeedItem, subscribeToFeed } from "./client";

describe("client types", () => {
  it("passes the item type to onItem and returns the stop function", () => {
    const stop = subscribeToFeed<{ title: string }>("/stream", {
      onItem: (item) => expectTypeOf(item).toEqualTypeOf<ClientFeedItem<{ title: string }>>(),
      onUnread: (n) => expectTypeOf(n).toBeNumber(),
    });
    expectTypeOf(stop).toEqualTypeOf<() => void>();
  });
});
