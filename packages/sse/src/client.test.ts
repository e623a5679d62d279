import { describe, expect, it } from "vitest";
import { type ClientFeedItem, subscribeToFeed } from "./client";

/** A minimal EventSource stand-in: enough to drive the helper's listeners. */
class FakeEventSource extends EventTarget {
  static last: FakeEventSource | undefined;
  closed = false;
  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    super();
    FakeEventSource.last = this;
  }
  emit(type: string, data?: string) {
    this.dispatchEvent(data === undefined ? new Event(type) : new MessageEvent(type, { data }));
  }
  close() {
    this.closed = true;
  }
}

describe("subscribeToFeed", () => {
  it("decodes items, unread counts and resets, and closes", () => {
    const items: ClientFeedItem<{ title: string }>[] = [];
    const unread: number[] = [];
    let resets = 0;
    const stop = subscribeToFeed<{ title: string }>(
      "/api/stream",
      { onItem: (i) => items.push(i), onUnread: (n) => unread.push(n), onReset: () => resets++ },
      { EventSource: FakeEventSource as unknown as typeof EventSource, withCredentials: true },
    );
    const source = FakeEventSource.last!;
    expect(source.url).toBe("/api/stream");
    expect(source.init).toEqual({ withCredentials: true });
    source.emit(
      "notification",
      JSON.stringify({
        id: 3,
        createdAt: 1,
        read: false,
        data: { title: "Hi" },
        groupKey: null,
        count: 1,
        summary: false,
      }),
    );
    source.emit("notification", "not json");
    source.emit("unread", JSON.stringify({ unread: 4 }));
    source.emit("reset", "{}");
    expect(items.map((i) => i.data.title)).toEqual(["Hi"]);
    expect(unread).toEqual([4]);
    expect(resets).toBe(1);
    stop();
    expect(source.closed).toBe(true);
  });

  it("says what to do where there is no EventSource", () => {
    expect(() => subscribeToFeed("/x", {}, { EventSource: undefined as never })).toThrow(
      typeof globalThis.EventSource === "function" ? /$^/ : /no EventSource here/,
    );
  });
});
