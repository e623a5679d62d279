import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { feedStores } from "../test/feed-stores";
import { manualClock } from "../test/manual-clock";
import { createFeed, type FeedOptions } from "./create-feed";
import { FeedError } from "./feed-error";

const schema = z.object({ title: z.string().min(1), body: z.string().optional() });
const user = () => `user-${randomUUID()}`;

describe.each(feedStores())("feed on $name", (stores) => {
  const make = (options: Partial<FeedOptions<typeof schema>> = {}) =>
    createFeed({ schema, ...options, store: options.store ?? stores.make() });

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
    expect(await feed.list(user())).toEqual({
      items: [],
      nextCursor: undefined,
      unread: 0,
      counts: { total: 0, unseen: 0, unread: 0, archived: 0 },
    });
  });

  it("stores item data byte for byte (unicode, nesting, numbers that look like strings)", async () => {
    const loose = createFeed({
      schema: z.object({ title: z.string(), meta: z.unknown() }),
      store: stores.make(),
    });
    const u = user();
    const data = {
      title: 'Ünïcødé 🚀 "quoted" \\ \n line',
      meta: { n: "0012", deep: [1, { x: null }], big: 2 ** 40 },
    };
    await loose.push(u, data);
    expect((await loose.list(u)).items[0]?.data).toEqual(data);
  });

  it("rejects invalid items with their issues, and bad recipients with how to fix them; stores nothing", async () => {
    const feed = make();
    const u = user();
    const error = await feed.push(u, { title: "" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedError);
    expect((error as FeedError).message).toMatch(/^push: the item is invalid: title: /);
    expect((error as FeedError).issues).toEqual([{ path: "title", message: expect.any(String) }]);
    expect((await feed.list(u)).items).toEqual([]);
    await expect(feed.push("", { title: "x" })).rejects.toThrow(
      /non-empty string, e\.g\. the signed-in user's id/,
    );
    await expect(feed.push("x".repeat(201), { title: "x" })).rejects.toThrow(/longer than 200/);
    await expect(feed.push("a\nb", { title: "x" })).rejects.toThrow(/control characters/);
    await expect(feed.push(u, { title: "x" }, { groupKey: "" })).rejects.toThrow(/groupKey/);
    await expect(feed.markRead(u, [1.5])).rejects.toThrow(/item ids/);
    await expect(feed.list(u, { limit: 1000 })).rejects.toThrow(/limit/);
    expect(await feed.unreadCount(u)).toBe(0);
  });

  it("loses nothing when two writers push in the same millisecond", async () => {
    // Two store objects over the same data are two processes; the clock stands still for both.
    const clock = manualClock(1_700_000_000_000);
    const [storeA, storeB] = stores.pair();
    const a = make({ store: storeA, clock });
    const b = make({ store: storeB, clock });
    const u = user();
    const pushed = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).push(u, { title: `${i}` })),
    );
    expect(new Set(pushed.map((p) => p.id)).size).toBe(100);
    expect(new Set(pushed.map((p) => p.createdAt))).toEqual(new Set([1_700_000_000_000]));
    const { items, unread } = await a.list(u, { limit: 100 });
    expect(unread).toBe(100);
    expect(items.map((i) => i.id).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    expect(new Set(items.map((i) => i.data.title)).size).toBe(100);
  });

  it("keeps unread counts right under concurrent mark-read, pushes and removes", async () => {
    const feed = make();
    const u = user();
    for (let i = 0; i < 20; i++) await feed.push(u, { title: `${i}` });
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => feed.markRead(u, [i + 1, i + 2])), // 1..11, overlapping
      feed.markRead(u, [11, 12]), // twice-read items count once
      feed.remove(u, [20]),
      feed.push(u, { title: "concurrent" }), // id 21, unread
    ]);
    expect(await feed.unreadCount(u)).toBe(8); // 13..19 and 21
    const { items, unread } = await feed.list(u, { limit: 30 });
    expect(unread).toBe(8);
    expect(items.filter((i) => !i.read).map((i) => i.id)).toEqual([21, 19, 18, 17, 16, 15, 14, 13]);
    expect(await feed.markRead(u, "all")).toBe(0);
    expect(await feed.markRead(u, [1])).toBe(0);
    expect((await feed.list(u, { limit: 30 })).items.every((i) => i.read)).toBe(true);
  });

  it("collapses pushes with the same groupKey inside the window into one item with a new id and a count", async () => {
    const clock = manualClock();
    const feed = make({ groupWindowMs: 300, clock });
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
    await feed.markRead(u, [15]);
    const updated = await feed.push(u, { title: "comment 16" }, { groupKey: "task-234" });
    expect(updated).toMatchObject({ id: 17, count: 16, read: false }); // unread again: news in the group
    await clock.advance(299); // still inside the window (it started at the group's first push)
    expect(await feed.push(u, { title: "comment 17" }, { groupKey: "task-234" })).toMatchObject({
      id: 18,
      count: 17,
    });
    await clock.advance(1); // the window is over
    await feed.push(u, { title: "comment 18" }, { groupKey: "task-234" });
    ({ items } = await feed.list(u));
    expect(items.map((i) => [i.id, i.count, i.createdAt - items[2]!.createdAt])).toEqual([
      [19, 1, 300], // a new group after the window
      [18, 17, 299],
      [16, 1, 0],
    ]);
  });

  it("collapses pushes over the rate limit into one summary instead of dropping them", async () => {
    const feed = make({ rateLimit: { max: 3, windowMs: 60_000 } });
    const u = user();
    for (let i = 1; i <= 10; i++) await feed.push(u, { title: `#${i}` }, i === 9 ? { groupKey: "g" } : {});
    const { items, unread } = await feed.list(u);
    expect(items.map((i) => ({ count: i.count, summary: i.summary }))).toEqual([
      { count: 7, summary: true },
      { count: 1, summary: false },
      { count: 1, summary: false },
      { count: 1, summary: false },
    ]);
    expect(items[0]?.data.title).toBe("#10");
    expect(unread).toBe(4);
    expect(
      await make({ store: feed.store, rateLimit: { max: 3, windowMs: 60_000 } }).push(user(), {
        title: "other",
      }),
    ).toMatchObject({ summary: false }); // the limit is per recipient
  });

  it("never merges a user's groupKey with the rate-limit summary, whatever the key's name", async () => {
    const limited = make({ rateLimit: { max: 1, windowMs: 60_000 } });
    const unlimited = make({ store: limited.store }); // same feed, pushes that skip the limit
    const u = user();
    await limited.push(u, { title: "mine" }, { groupKey: "~overflow" }); // 1, under the limit
    await limited.push(u, { title: "over a" }); // 2: the summary
    await limited.push(u, { title: "over b" }); // 3: the summary, count 2 (replaces 2)
    await unlimited.push(u, { title: "mine again" }, { groupKey: "~overflow" }); // 4: joins 1
    const { items, unread } = await limited.list(u);
    expect(items.map((i) => [i.id, i.count, i.summary, i.data.title])).toEqual([
      [4, 2, false, "mine again"],
      [3, 2, true, "over b"],
    ]);
    expect(unread).toBe(2);
  });

  it("trims to maxItems, forgetting trimmed groups, and removes items", async () => {
    const feed = make({ maxItems: 5 });
    const u = user();
    await feed.push(u, { title: "grouped" }, { groupKey: "old" });
    for (let i = 0; i < 7; i++) await feed.push(u, { title: `${i}` });
    const { items, unread } = await feed.list(u);
    expect(items.map((i) => i.id)).toEqual([8, 7, 6, 5, 4]);
    expect(unread).toBe(5);
    // The trimmed group is gone: the same key starts a new group rather than counting on.
    expect(await feed.push(u, { title: "grouped again" }, { groupKey: "old" })).toMatchObject({
      id: 9,
      count: 1,
    });
    expect(await feed.remove(u, [9, 8, 1234])).toBe(2);
    expect(await feed.remove(u, [])).toBe(0);
    expect((await feed.list(u)).items.map((i) => i.id)).toEqual([7, 6, 5]);
    expect(await feed.unreadCount(u)).toBe(3);
  });
});

describe("createFeed", () => {
  it("expires a feed ttlSeconds after its last push; mark-read and remove do not extend it", async () => {
    const clock = manualClock();
    const feed = createFeed({ schema, clock, ttlSeconds: 10 });
    await feed.push("u", { title: "a" });
    await feed.push("u", { title: "b" });
    await clock.advance(9_000);
    await feed.markRead("u", [1]);
    await feed.remove("u", [1]);
    await clock.advance(999);
    expect((await feed.list("u")).items.map((i) => i.id)).toEqual([2]);
    await clock.advance(1);
    expect(await feed.list("u")).toEqual({
      items: [],
      nextCursor: undefined,
      unread: 0,
      counts: { total: 0, unseen: 0, unread: 0, archived: 0 },
    });
  });

  it("takes the time from `now` when given, over the clock's, for items and the memory store's TTL", async () => {
    const clock = manualClock(1_000);
    let time = 5_000;
    const feed = createFeed({ schema, clock, now: () => time, ttlSeconds: 1 });
    expect(await feed.push("u", { title: "x" })).toMatchObject({ id: 1, createdAt: 5_000 });
    time += 1_000; // the store's TTL follows `now` too; the clock never moved
    expect((await feed.list("u")).items).toEqual([]);
    expect(clock.now()).toBe(1_000);
  });

  it("explains bad options", () => {
    expect(() => createFeed({ schema: {} as never })).toThrow(/Standard Schema such as a zod object/);
    expect(() => createFeed({ schema, maxItems: 0 })).toThrow(/maxItems must be a whole number >= 1/);
    expect(() => createFeed({ schema, rateLimit: { max: 30, windowMs: -1 } })).toThrow(/rateLimit.windowMs/);
  });
});
