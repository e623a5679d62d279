import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { feedStores } from "../test/feed-stores";
import { manualClock } from "../test/manual-clock";
import { type ParsedEvent, readSse } from "../test/read-sse";
import { createFeed, type FeedOptions } from "./create-feed";

const schema = z.object({ title: z.string() });
const user = () => `user-${randomUUID()}`;
/** The events other than heartbeats, as [event, data]. */
const sent = (events: ParsedEvent[]) =>
  events.filter((e) => e.event !== "comment").map((e) => [e.event, JSON.parse(e.data)]);
const hasCounts = (events: ParsedEvent[]) => events.some((e) => e.event === "counts");
const counts = (total: number, unseen: number, unread: number, archived: number) => ({
  total,
  unseen,
  unread,
  archived,
});

describe.each(feedStores())("stream state on $name", (stores) => {
  const make = (options: Partial<FeedOptions<typeof schema>> = {}) => {
    const clock = manualClock();
    const feed = createFeed({
      schema,
      pollIntervalMs: 50,
      clock,
      ...options,
      store: options.store ?? stores.make(),
    });
    return Object.assign(feed, { clock });
  };
  const open = (feed: ReturnType<typeof make>, recipient: string, lastEventId?: string) => {
    const controller = new AbortController();
    const headers: Record<string, string> = lastEventId ? { "Last-Event-ID": lastEventId } : {};
    const response = feed.stream(new Request("http://app.test/s", { headers, signal: controller.signal }), {
      recipient,
      heartbeatMs: 60_000,
    });
    return { response, close: () => controller.abort() };
  };

  it("opens with counts after unread, and sends state + counts when another tab marks or archives", async () => {
    const feed = make();
    const u = user();
    for (let i = 0; i < 3; i++) await feed.push(u, { title: `${i}` });
    const tab = open(feed, u);
    const opened = await readSse(tab.response, hasCounts);
    expect(sent(opened.events).slice(1)).toEqual([
      ["unread", { unread: 3 }],
      ["counts", counts(3, 3, 3, 0)],
    ]);
    await feed.markSeen(u, "all");
    expect(sent((await readSse(tab.response, hasCounts)).events)).toEqual([
      ["state", { ids: "all", seen: true }],
      ["counts", counts(3, 0, 3, 0)],
    ]);
    await feed.markRead(u, [2, 99]); // 99 does not exist: not in the state
    expect(sent((await readSse(tab.response, hasCounts)).events)).toEqual([
      ["state", { ids: [2], read: true, seen: true }],
      ["unread", { unread: 2 }],
      ["counts", counts(3, 0, 2, 0)],
    ]);
    await feed.archive(u, [1]);
    expect(sent((await readSse(tab.response, hasCounts)).events)).toEqual([
      ["state", { ids: [1], archived: true }],
      ["unread", { unread: 1 }],
      ["counts", counts(2, 0, 1, 1)],
    ]);
    await feed.markUnread(u, [2]);
    expect(sent((await readSse(tab.response, hasCounts)).events)).toEqual([
      ["state", { ids: [2], read: false }],
      ["unread", { unread: 2 }],
      ["counts", counts(2, 0, 2, 1)],
    ]);
    // A removal cannot be described as flags: counts, then refresh.
    await feed.remove(u, [3]);
    const removed = await readSse(tab.response, (e) => e.some((x) => x.event === "refresh"));
    expect(sent(removed.events)).toEqual([
      ["unread", { unread: 1 }],
      ["counts", counts(1, 0, 1, 1)],
      ["refresh", {}],
    ]);
    // A push carries its counts too.
    await feed.push(u, { title: "new" });
    const pushed = await readSse(tab.response, hasCounts);
    expect(sent(pushed.events).map(([event]) => event)).toEqual(["notification", "unread", "counts"]);
    expect(sent(pushed.events)[2]?.[1]).toEqual(counts(2, 1, 2, 1));
    tab.close();
  });

  it("a repeated push (same dedupeKey) sends nothing", async () => {
    const feed = make();
    const u = user();
    const tab = open(feed, u);
    await readSse(tab.response, hasCounts);
    const first = await feed.push(u, { title: "once" }, { dedupeKey: "msg-1" });
    await feed.push(u, { title: "once" }, { dedupeKey: "msg-1" });
    const last = await feed.push(u, { title: "next" });
    const { events } = await readSse(tab.response, (e) =>
      e.some((x) => x.event === "notification" && x.id?.endsWith(`:${last.id}`)),
    );
    expect(events.filter((e) => e.event === "notification").map((e) => JSON.parse(e.data).id)).toEqual([
      first.id,
      last.id,
    ]);
    tab.close();
  });

  it("a poll that finds flags changed by another process sends counts and refresh; one that finds only pushes does not", async () => {
    const [readerStore, writerStore] = stores.pair({ pubsub: false });
    const reader = make({ store: readerStore });
    const writer = make({ store: writerStore });
    const u = user();
    await writer.push(u, { title: "a" });
    const tab = open(reader, u);
    await readSse(tab.response, hasCounts);
    await writer.push(u, { title: "b" });
    await reader.clock.advance(50);
    const pushed = await readSse(tab.response, hasCounts);
    expect(sent(pushed.events).map(([event]) => event)).toEqual(["notification", "unread", "counts"]);
    await writer.markRead(u, "all");
    await reader.clock.advance(50);
    // Flushed as one chunk: reading up to counts reads all of it.
    const marked = await readSse(tab.response, hasCounts);
    expect(sent(marked.events)).toEqual(
      readerStore === writerStore
        ? // Memory is one process: the write itself told the stream what changed.
          [
            ["state", { ids: "all", read: true, seen: true }],
            ["unread", { unread: 0 }],
            ["counts", counts(2, 0, 0, 0)],
          ]
        : [
            ["unread", { unread: 0 }],
            ["counts", counts(2, 0, 0, 0)],
            ["refresh", {}],
          ],
    );
    tab.close();
  });

  it("resuming after Last-Event-ID replays the items, then counts and refresh (flags may have changed meanwhile)", async () => {
    const feed = make();
    const u = user();
    await feed.push(u, { title: "a" });
    const first = open(feed, u);
    const opened = await readSse(first.response, hasCounts);
    first.close();
    const lastEventId = opened.events.find((e) => e.event === "counts")!.id!;
    await feed.push(u, { title: "b" });
    await feed.markSeen(u, [1]);
    const again = open(feed, u, lastEventId);
    const resumed = await readSse(again.response, (e) => e.some((x) => x.event === "refresh"));
    expect(sent(resumed.events).map(([event]) => event)).toEqual([
      "ready",
      "notification",
      "unread",
      "counts",
      "refresh",
    ]);
    again.close();
  });
});
