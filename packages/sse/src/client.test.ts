import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "@switchboard/core/express";
import { EventSource as NodeEventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ClientFeedItem, type EventSourceConstructor, subscribeToFeed } from "./client";
import { createFeed } from "./create-feed";

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
      { EventSource: FakeEventSource as unknown as EventSourceConstructor, withCredentials: true },
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

describe("subscribeToFeed with a real EventSource against feed.stream over HTTP", () => {
  const schema = z.object({ title: z.string() });
  let server: Server;
  let url: string;
  let authorized = true;
  const feed = createFeed({ schema, pollIntervalMs: 50 });
  beforeAll(async () => {
    // Through the core's Node bridge, as Express serves it.
    const handler = feed.handler({
      recipient: () => (authorized ? "u1" : undefined),
      maxDurationMs: 400,
      retryMs: 50,
      maxReplay: 5,
    });
    server = createServer(toNodeHandler(handler));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const until = async (check: () => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const EventSource = NodeEventSource as unknown as EventSourceConstructor;

  it("gets every item exactly once across the server's maxDuration reconnects, and the unread count", async () => {
    const items: number[] = [];
    const unread: number[] = [];
    let opens = 0;
    const stop = subscribeToFeed<{ title: string }>(
      url,
      {
        onItem: (i) => void items.push(i.id),
        onUnread: (n) => void unread.push(n),
        onOpen: () => void opens++,
      },
      { EventSource },
    );
    await until(() => opens === 1 && unread.length > 0);
    // Push through at least two forced reconnects (every ~400 ms).
    for (let i = 1; i <= 30; i++) {
      await feed.push("u1", { title: `#${i}` });
      await new Promise((r) => setTimeout(r, 30));
    }
    await until(() => items.length >= 30);
    expect(items).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(opens).toBeGreaterThanOrEqual(2);
    expect(unread.at(-1)).toBe(30);
    await feed.markRead("u1", "all");
    await until(() => unread.at(-1) === 0);
    stop();
  });

  it("resumes from lastEventId on the first connect, and reconnects after a 401 the browser gives up on", async () => {
    authorized = false;
    const items: number[] = [];
    let errors = 0;
    const stop = subscribeToFeed(
      url,
      { onItem: (i) => void items.push(i.id), onError: () => void errors++ },
      { EventSource, lastEventId: 28, reconnectMs: 20 },
    );
    await until(() => errors >= 2); // 401 → CLOSED → the helper retries, with backoff
    authorized = true;
    await until(() => items.length >= 2);
    expect(items).toEqual([29, 30]);
    stop();
  });

  it("calls onReset when the gap is over maxReplay", async () => {
    let resets = 0;
    const stop = subscribeToFeed(url, { onReset: () => void resets++ }, { EventSource, lastEventId: 1 });
    await until(() => resets === 1);
    stop();
  });
});
