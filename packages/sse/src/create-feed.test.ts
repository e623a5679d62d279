import { randomUUID } from "node:crypto";
import { type DevServer, startDevServer } from "@switchboard/dev";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createFeed, type FeedOptions } from "./create-feed";
import { FeedError } from "./feed-error";
import type { FeedStore } from "./feed-store";
import { memoryFeedStore } from "./memory-feed-store";
import { type ParsedEvent, readSse } from "./read-sse";
import { redisFeedStore } from "./redis-feed-store";

const schema = z.object({ title: z.string().min(1), body: z.string().optional() });

// Redis tests run against the real Redis at 127.0.0.1:6379 through @upstash/redis and the dev
// server's Upstash REST endpoint; startDevServer rejects, and these tests fail, without it.
let dev: DevServer;
let redis: Redis;
const prefix = `sbtest:${randomUUID()}`;
beforeAll(async () => {
  dev = await startDevServer({ port: 0, quiet: true, redisUrl: "redis://127.0.0.1:6379", redisPort: 0 });
  redis = new Redis({ url: dev.redisRestUrl!, token: dev.token });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await dev.close();
});

let counter = 0;
/** Each entry makes a fresh store, and two store objects over the same data (two "processes"). */
const stores: [string, () => FeedStore, () => [FeedStore, FeedStore]][] = [
  [
    "memory",
    () => memoryFeedStore(),
    () => {
      const store = memoryFeedStore(); // memory is one process: both sides share the object
      return [store, store];
    },
  ],
  [
    "redis",
    () => redisFeedStore({ redis, prefix: `${prefix}:${++counter}` }),
    () => {
      const shared = `${prefix}:${++counter}`;
      return [redisFeedStore({ redis, prefix: shared }), redisFeedStore({ redis, prefix: shared })];
    },
  ],
];

describe.each(stores)("feed on %s", (_name, makeStore, makeStorePair) => {
  const make = (options: Partial<FeedOptions<typeof schema>> = {}) => {
    const store = options.store ?? makeStore();
    return createFeed({ schema, pollIntervalMs: 50, ...options, store });
  };
  const user = () => `user-${randomUUID()}`;

  it("pushes items with a per-recipient sequence and lists them newest first in cursor pages", async () => {
    const feed = make();
    const u = user();
    for (let i = 1; i <= 25; i++) expect((await feed.push(u, { title: `#${i}` })).id).toBe(i);
    expect((await feed.push(user(), { title: "other user" })).id).toBe(1);
    const first = await feed.list(u, { limit: 10 });
    expect(first.items.map((i) => i.id)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(first.items[0]).toMatchObject({ read: false, data: { title: "#25" }, count: 1, summary: false });
    expect(first.unread).toBe(25);
    const second = await feed.list(u, { before: first.nextCursor!, limit: 10 });
    expect(second.items[0]?.id).toBe(15);
    const last = await feed.list(u, { before: 6, limit: 10 });
    expect(last.items.map((i) => i.id)).toEqual([5, 4, 3, 2, 1]);
    expect(last.nextCursor).toBeUndefined();
  });

  it("rejects invalid items with their issues and stores nothing", async () => {
    const feed = make();
    const u = user();
    const error = await feed.push(u, { title: "" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedError);
    expect((error as FeedError).issues).toEqual([{ path: "title", message: expect.any(String) }]);
    expect((await feed.list(u)).items).toEqual([]);
    await expect(feed.push("", { title: "x" })).rejects.toThrow(/non-empty string/);
    await expect(feed.push("a\nb", { title: "x" })).rejects.toThrow(/control characters/);
    await expect(feed.markRead(u, [1.5])).rejects.toThrow(/item ids/);
    await expect(feed.list(u, { limit: 1000 })).rejects.toThrow(/limit/);
  });

  it("loses nothing when two writers push in the same millisecond", async () => {
    const store = makeStore();
    const a = make({ store });
    const b = make({ store });
    const u = user();
    const pushed = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).push(u, { title: `${i}` })),
    );
    expect(new Set(pushed.map((p) => p.id)).size).toBe(100);
    const { items } = await a.list(u, { limit: 100 });
    expect(items.map((i) => i.id).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });

  it("keeps unread counts right under concurrent mark-read", async () => {
    const feed = make();
    const u = user();
    for (let i = 0; i < 20; i++) await feed.push(u, { title: `${i}` });
    await Promise.all(Array.from({ length: 10 }, (_, i) => feed.markRead(u, [i + 1, i + 2])));
    expect(await feed.unreadCount(u)).toBe(9);
    const { items } = await feed.list(u, { limit: 20 });
    expect(
      items
        .filter((i) => i.read)
        .map((i) => i.id)
        .sort((x, y) => x - y),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await feed.markRead(u, "all")).toBe(0);
  });

  it("collapses pushes with the same groupKey inside the window into one item with a count", async () => {
    const feed = make({ groupWindowMs: 300 });
    const u = user();
    for (let i = 1; i <= 15; i++)
      await feed.push(u, { title: `comment ${i} on Task #234` }, { groupKey: "task-234" });
    await feed.push(u, { title: "unrelated" });
    let { items, unread } = await feed.list(u);
    expect(items.map((i) => [i.id, i.count, i.groupKey ?? null])).toEqual([
      [16, 1, null],
      [15, 15, "task-234"],
    ]);
    expect(items[1]?.data.title).toBe("comment 15 on Task #234");
    expect(unread).toBe(2);
    await new Promise((r) => setTimeout(r, 350));
    await feed.push(u, { title: "comment 16" }, { groupKey: "task-234" });
    ({ items } = await feed.list(u));
    expect(items.map((i) => i.count)).toEqual([1, 1, 15]); // a new group after the window
  });

  it("collapses pushes over the rate limit into one summary instead of dropping them", async () => {
    const feed = make({ rateLimit: { max: 3, windowMs: 60_000 } });
    const u = user();
    for (let i = 1; i <= 10; i++) await feed.push(u, { title: `#${i}` });
    const { items } = await feed.list(u);
    expect(items.map((i) => ({ count: i.count, summary: i.summary }))).toEqual([
      { count: 7, summary: true },
      { count: 1, summary: false },
      { count: 1, summary: false },
      { count: 1, summary: false },
    ]);
    expect(items[0]?.data.title).toBe("#10");
  });

  it("trims to maxItems and removes items", async () => {
    const feed = make({ maxItems: 5 });
    const u = user();
    for (let i = 0; i < 8; i++) await feed.push(u, { title: `${i}` });
    const { items, unread } = await feed.list(u);
    expect(items.map((i) => i.id)).toEqual([8, 7, 6, 5, 4]);
    expect(unread).toBe(5);
    expect(await feed.remove(u, [8, 7])).toBe(2);
    expect((await feed.list(u)).items.map((i) => i.id)).toEqual([6, 5, 4]);
    expect(await feed.unreadCount(u)).toBe(3);
  });

  describe("stream", () => {
    const open = (
      feed: ReturnType<typeof make>,
      recipient: string | undefined,
      init: { lastEventId?: string; query?: string } = {},
    ) => {
      const controller = new AbortController();
      const headers: Record<string, string> = init.lastEventId ? { "Last-Event-ID": init.lastEventId } : {};
      const request = new Request(`http://app.test/stream${init.query ?? ""}`, {
        headers,
        signal: controller.signal,
      });
      return {
        response: feed.stream(request, { recipient, maxReplay: 150, heartbeatMs: 60_000 }),
        controller,
      };
    };
    const notifications = (events: ParsedEvent[]) => events.filter((e) => e.event === "notification");

    it("answers 401 without a recipient, and streams with SSE headers", async () => {
      const feed = make();
      const { response } = open(feed, undefined);
      expect(response.status).toBe(401);
      const ok = open(feed, user());
      expect(ok.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(ok.response.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(ok.response.headers.get("x-accel-buffering")).toBe("no");
      const { events } = await readSse(ok.response, (e) => e.some((x) => x.event === "unread"));
      expect(events[0]).toMatchObject({ event: "ready" });
      ok.controller.abort();
    });

    it("resumes exactly after Last-Event-ID: the missing 100 in order, no duplicates", async () => {
      const feed = make();
      const u = user();
      const first = open(feed, u);
      await readSse(first.response, (e) => e.some((x) => x.event === "unread"));
      for (let i = 1; i <= 100; i++) await feed.push(u, { title: `${i}` });
      const { events } = await readSse(first.response, (e) => notifications(e).length >= 100);
      const seen = notifications(events);
      expect(seen.map((e) => Number(e.id))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      first.controller.abort();

      for (let i = 101; i <= 200; i++) await feed.push(u, { title: `${i}` });
      const second = open(feed, u, { lastEventId: seen.at(-1)!.id! });
      const resumed = await readSse(second.response, (e) => e.some((x) => x.event === "unread"));
      const ids = notifications(resumed.events).map((e) => Number(e.id));
      expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i + 101));
      expect(JSON.parse(notifications(resumed.events)[0]!.data)).toMatchObject({
        id: 101,
        data: { title: "101" },
      });
      second.controller.abort();
    });

    it("sends one reset instead of replaying a gap larger than maxReplay (also from ?lastEventId=)", async () => {
      const feed = make();
      const u = user();
      for (let i = 0; i < 200; i++) await feed.push(u, { title: `${i}` });
      const { response, controller } = open(feed, u, { query: "?lastEventId=10" });
      const { events } = await readSse(response, (e) => e.some((x) => x.event === "unread"));
      expect(events.filter((e) => e.event === "reset")).toHaveLength(1);
      expect(notifications(events)).toEqual([]);
      controller.abort();
    });

    it("delivers pushes from another process through the shared poller, and mark-read as unread events", async () => {
      // On Redis the writer is a different store object (another "process"): its writes reach the
      // stream only through the shared poller.
      const [readerStore, writerStore] = makeStorePair();
      const reader = make({ store: readerStore });
      const writer = make({ store: writerStore });
      const u = user();
      const { response, controller } = open(reader, u);
      await readSse(response, (e) => e.some((x) => x.event === "unread"));
      const pushed = await writer.push(u, { title: "from elsewhere" });
      const { events } = await readSse(
        response,
        (e) => notifications(e).length === 1 && e.filter((x) => x.event === "unread").length >= 1,
      );
      expect(Number(notifications(events)[0]!.id)).toBe(pushed.id);
      await writer.markRead(u, "all");
      const after = await readSse(response, (e) =>
        e.some((x) => x.event === "unread" && JSON.parse(x.data).unread === 0),
      );
      expect(after.events.at(-1)?.id).toBe(String(pushed.id));
      controller.abort();
    });

    it("cleans up on abort: no open streams, the poller stops", async () => {
      const feed = make();
      const streams = Array.from({ length: 5 }, () => open(feed, user()));
      await Promise.all(streams.map((s) => readSse(s.response, (e) => e.some((x) => x.event === "unread"))));
      expect(feed.openStreams).toBe(5);
      for (const s of streams) s.controller.abort();
      expect(feed.openStreams).toBe(0);
    });

    it("sends heartbeats and ends at maxDuration", async () => {
      const feed = make();
      const request = new Request("http://app.test/stream");
      const response = feed.stream(request, { recipient: user(), heartbeatMs: 30, maxDurationMs: 200 });
      const { events, ended } = await readSse(response, () => false, 2000);
      expect(ended).toBe(true);
      expect(events.filter((e) => e.event === "comment").length).toBeGreaterThanOrEqual(3);
      expect(feed.openStreams).toBe(0);
    });
  });
});

describe("idle cost", () => {
  it("polls Redis once per interval for all open streams, not once per stream", async () => {
    const commands: string[] = [];
    const feed = createFeed({
      schema,
      pollIntervalMs: 100,
      store: redisFeedStore({
        redis,
        prefix: `${prefix}:idle`,
        onCommand: (name) => void commands.push(name),
      }),
    });
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const responses = controllers.map((c, i) =>
      feed.stream(new Request("http://app.test/s", { signal: c.signal }), { recipient: `idle-${i}` }),
    );
    await Promise.all(responses.map((r) => readSse(r, (e) => e.some((x) => x.event === "unread"))));
    // Opening costs one snapshot request per stream; from then on only the shared poll runs.
    commands.length = 0;
    await new Promise((r) => setTimeout(r, 1000));
    const polls = commands.filter((c) => c === "MGET").length;
    expect(polls).toBeGreaterThanOrEqual(5);
    expect(polls).toBeLessThanOrEqual(12); // ≈ 10 polls in 1 s for 50 streams, not 500
    expect(commands.filter((c) => c !== "MGET")).toEqual([]); // idle: nothing else
    for (const c of controllers) c.abort();
  });
});
