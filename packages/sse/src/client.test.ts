import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "@switchboard/core/express";
import { EventSource as NodeEventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { manualClock } from "../test/manual-clock";
import { condition } from "../test/until";
import {
  type ClientFeedItem,
  type EventSourceConstructor,
  type FeedCounts,
  type FeedStateChange,
  subscribeToFeed,
} from "./client";
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

  it("decodes counts, state and refresh events, dropping malformed ones", () => {
    const counts: unknown[] = [];
    const states: unknown[] = [];
    let refreshes = 0;
    subscribeToFeed(
      "/api/stream",
      { onCounts: (c) => counts.push(c), onState: (s) => states.push(s), onRefresh: () => refreshes++ },
      { EventSource: FakeEventSource as unknown as EventSourceConstructor },
    );
    const source = FakeEventSource.last!;
    source.emit("counts", JSON.stringify({ total: 3, unseen: 1, unread: 2, archived: 0 }));
    source.emit("counts", "oops");
    source.emit("state", JSON.stringify({ ids: [1, 2], read: true, seen: true }));
    source.emit("state", JSON.stringify({ ids: "all", seen: true }));
    source.emit("state", JSON.stringify({ ids: 7 }));
    source.emit("refresh", "{}");
    expect(counts).toEqual([{ total: 3, unseen: 1, unread: 2, archived: 0 }]);
    expect(states).toEqual([
      { ids: [1, 2], read: true, seen: true },
      { ids: "all", seen: true },
    ]);
    expect(refreshes).toBe(1);
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
  // The server's clock: its streams end at their maxDurationMs deadline only when the test says so.
  const serverClock = manualClock();
  const feed = createFeed({ schema, clock: serverClock });
  beforeAll(async () => {
    // Through the core's Node bridge, as Express serves it.
    const handler = feed.handler({
      recipient: () => (authorized ? "u1" : undefined),
      maxDurationMs: 1000,
      retryMs: 1, // the browser's own reconnect after a stream ends
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
  /** An EventSource that counts its connections and tells `seen` about each. */
  const seen = condition();
  let connections = 0;
  const EventSource = class extends NodeEventSource {
    constructor(...args: ConstructorParameters<typeof NodeEventSource>) {
      super(...args);
      connections++;
      seen.changed();
    }
  } as unknown as EventSourceConstructor;

  it("gets every item exactly once across the server's maxDuration reconnects, and the unread count", async () => {
    const items: number[] = [];
    const unread: number[] = [];
    const counts: FeedCounts[] = [];
    const states: FeedStateChange[] = [];
    let refreshes = 0;
    let opens = 0;
    const stop = subscribeToFeed<{ title: string }>(
      url,
      {
        onItem: (i) => {
          items.push(i.id);
          seen.changed();
        },
        onUnread: (n) => {
          unread.push(n);
          seen.changed();
        },
        onOpen: () => {
          opens++;
          seen.changed();
        },
        onCounts: (c) => {
          counts.push(c);
          seen.changed();
        },
        onState: (state) => {
          states.push(state);
          seen.changed();
        },
        onRefresh: () => {
          refreshes++;
          seen.changed();
        },
      },
      { EventSource },
    );
    await seen.until(() => opens === 1 && unread.length > 0);
    // Three rounds: 5 items live, then the server ends the stream (its deadline), and 5 more are
    // pushed while the browser reconnects: they come from the replay after Last-Event-ID.
    let pushed = 0;
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 5; i++) await feed.push("u1", { title: `#${++pushed}` });
      await seen.until(() => items.length === pushed);
      await serverClock.advance(1000);
      expect(feed.openStreams).toBe(0);
      for (let i = 0; i < 5; i++) await feed.push("u1", { title: `#${++pushed}` });
      await seen.until(() => opens === round + 1 && items.length === pushed);
    }
    expect(items).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await seen.until(() => unread.at(-1) === 30);
    await feed.markRead("u1", "all");
    await seen.until(() => unread.at(-1) === 0);
    expect(refreshes).toBe(3); // one per resume: flags may have changed while it was away
    await seen.until(() => states.length === 1 && counts.at(-1)?.unread === 0);
    expect(states).toEqual([{ ids: "all", read: true, seen: true }]);
    expect(counts.at(-1)).toEqual({ total: 30, unseen: 0, unread: 0, archived: 0 });
    stop();
  });

  it("resumes from lastEventId on the first connect, and reconnects after a 401 the browser gives up on", async () => {
    authorized = false;
    const clock = manualClock(); // the helper's backoff
    const items: number[] = [];
    let errors = 0;
    const stop = subscribeToFeed(
      url,
      {
        onItem: (i) => {
          items.push(i.id);
          seen.changed();
        },
        onError: () => {
          errors++;
          queueMicrotask(seen.changed); // after the helper has scheduled its retry
        },
      },
      { EventSource, lastEventId: 28, reconnectMs: 20, clock },
    );
    const first = connections;
    await seen.until(() => errors === 1 && clock.pending === 1); // 401 → CLOSED → a retry is due
    await clock.advance(19);
    expect(connections).toBe(first);
    await clock.advance(1);
    expect(connections).toBe(first + 1); // after reconnectMs
    await seen.until(() => errors === 2 && clock.pending === 1);
    authorized = true;
    await clock.advance(39);
    expect(connections).toBe(first + 1);
    await clock.advance(1);
    expect(connections).toBe(first + 2); // the delay doubled
    await seen.until(() => items.length >= 2);
    expect(items).toEqual([29, 30]);
    stop();
    expect(clock.pending).toBe(0);
  });

  it("calls onReset when the gap is over maxReplay", async () => {
    let resets = 0;
    const stop = subscribeToFeed(
      url,
      {
        onReset: () => {
          resets++;
          seen.changed();
        },
      },
      { EventSource, lastEventId: 1 },
    );
    await seen.until(() => resets === 1);
    stop();
  });
});
