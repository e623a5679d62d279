import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { feedStores } from "../test/feed-stores";
import { manualClock } from "../test/manual-clock";
import { createFeed, type FeedOptions } from "./create-feed";
import { FeedError } from "./feed-error";
import type { FeedCounts, FeedItem } from "./feed-item";

const schema = z.object({ title: z.string().min(1), meta: z.unknown().optional() });
const user = () => `user-${randomUUID()}`;
const people = ["ada", "bob", "cy", "dee", "eve", "fay", "gus"];
const actor = (id: string) => ({ id, name: id.toUpperCase(), avatarUrl: `https://img.test/${id}.png` });
const counts = (total: number, unseen: number, unread: number, archived: number): FeedCounts => ({
  total,
  unseen,
  unread,
  archived,
});

describe.each(feedStores())("feed model on $name", (stores) => {
  const make = (options: Partial<FeedOptions<typeof schema>> = {}) =>
    createFeed({ schema, clock: manualClock(), ...options, store: options.store ?? stores.make() });

  it("groups remember who: distinct actors most recent first (bounded), actorCount, grouped payloads", async () => {
    const feed = make();
    const u = user();
    // 15 comments by 7 people, some commenting twice: ada … gus, then ada, bob, … again.
    const by = Array.from({ length: 15 }, (_, i) => people[i % people.length]!);
    let last: FeedItem<z.output<typeof schema>> | undefined;
    for (const [i, who] of by.entries())
      last = await feed.push(
        u,
        { title: `comment ${i + 1}` },
        { groupKey: "task:234", actor: actor(who), category: "comments" },
      );
    expect(last).toMatchObject({ id: 15, count: 15, actorCount: 7, category: "comments" });
    // Most recent first, distinct by id, at most maxActors (5): ada (15th), gus, fay, eve, dee.
    expect(last!.actors.map((a) => a.id)).toEqual(["ada", "gus", "fay", "eve", "dee"]);
    expect(last!.actors[0]).toEqual(actor("ada"));
    expect(last!.grouped.map((g) => g.title)).toEqual(
      Array.from({ length: 10 }, (_, i) => `comment ${15 - i}`),
    );
    expect(last!.data).toEqual({ title: "comment 15" });
    const [listed] = (await feed.list(u)).items;
    expect(listed).toEqual({ ...last, read: false, seen: false, archived: false });
  });

  it("keeps non-group items' actor and payload, honours maxActors / maxGrouped, and stores payloads byte for byte", async () => {
    const feed = make({ maxActors: 2, maxGrouped: 3 });
    const u = user();
    const plain = await feed.push(u, { title: "solo" }, { actor: actor("ada") });
    expect(plain).toMatchObject({ actors: [actor("ada")], actorCount: 1, grouped: [{ title: "solo" }] });
    const anonymous = await feed.push(u, { title: "system" });
    expect(anonymous).toMatchObject({ actors: [], actorCount: 0, grouped: [{ title: "system" }] });
    expect(anonymous.category).toBeUndefined();
    const odd = { title: 'Ünïcødé 🚀 "q" \\ / \n', meta: { n: "0012", big: 2 ** 40, deep: [null, {}] } };
    for (const who of ["ada", "bob", "ada", "cy"])
      await feed.push(u, odd, { groupKey: "g", actor: actor(who) });
    const [group] = (await feed.list(u)).items;
    expect(group?.actors.map((a) => a.id)).toEqual(["cy", "ada"]);
    expect(group?.actorCount).toBe(3);
    expect(group?.grouped).toEqual([odd, odd, odd]);
    // An actor object with extra fields is stored with its known fields only.
    const extra = await feed.push(u, { title: "x" }, { actor: { id: "zed", role: "admin" } as never });
    expect(extra.actors).toEqual([{ id: "zed" }]);
  });

  it("rejects a bad actor or category with a message that says how to fix it, storing nothing", async () => {
    const feed = make();
    const u = user();
    const bad: [unknown, RegExp][] = [
      [{ actor: "ada" }, /actor must be an object like \{ id: "u_1"/],
      [{ actor: null }, /actor must be an object/],
      [{ actor: { name: "Ada" } }, /actor\.id must be a non-empty string of at most 200/],
      [{ actor: { id: "" } }, /actor\.id must be a non-empty string/],
      [{ actor: { id: "x".repeat(201) } }, /at most 200 characters/],
      [{ actor: { id: "a", name: 42 } }, /actor\.name must be a string/],
      [{ actor: { id: "a", avatarUrl: "x".repeat(3000) } }, /avatarUrl must be a URL string of at most 2048/],
      [{ category: "" }, /category must be a non-empty string of at most 100 characters/],
      [{ category: "c".repeat(101) }, /at most 100 characters/],
      [{ category: "a\nb" }, /without control characters/],
      [{ category: 7 }, /category must be a non-empty string/],
    ];
    for (const [options, message] of bad) {
      const error = await feed.push(u, { title: "x" }, options as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(FeedError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(feed.list(u, { status: "new" as never })).rejects.toThrow(/status must be one of "inbox"/);
    await expect(feed.list(u, { category: "" })).rejects.toThrow(/category must be/);
    await expect(feed.markUnread(u, "all" as never)).rejects.toThrow(/markUnread: pass an array of item ids/);
    await expect(
      feed.archive(
        u,
        Array.from({ length: 1001 }, (_, i) => i + 1),
      ),
    ).rejects.toThrow(/at most 1000 ids per call \(got 1001\); split the list/);
    expect(await feed.counts(u)).toEqual(counts(0, 0, 0, 0));
  });

  it("seen, read and archived: read implies seen, archived items leave the inbox counts", async () => {
    const feed = make();
    const u = user();
    for (let i = 1; i <= 6; i++) await feed.push(u, { title: `#${i}` });
    expect(await feed.counts(u)).toEqual(counts(6, 6, 6, 0));
    expect(await feed.markSeen(u, [1, 2, 99])).toEqual(counts(6, 4, 6, 0)); // 99 does not exist
    expect(await feed.markRead(u, [3])).toBe(5); // and seen
    expect(await feed.counts(u)).toEqual(counts(6, 3, 5, 0));
    expect(await feed.markUnread(u, [3])).toEqual(counts(6, 3, 6, 0)); // unread again, still seen
    expect(await feed.archive(u, [1, 4])).toEqual(counts(4, 2, 4, 2)); // 4 was unseen: leaves the badge
    const page = await feed.list(u);
    expect(page.items.map((i) => i.id)).toEqual([6, 5, 3, 2]);
    expect(page.counts).toEqual(counts(4, 2, 4, 2));
    expect(page.unread).toBe(4);
    const byId = Object.fromEntries(
      (await feed.list(u, { status: "all" })).items.map((i) => [i.id, [i.seen, i.read, i.archived]]),
    );
    expect(byId).toEqual({
      1: [true, false, true],
      2: [true, false, false],
      3: [true, false, false],
      4: [false, false, true],
      5: [false, false, false],
      6: [false, false, false],
    });
    expect(await feed.unarchive(u, [4])).toEqual(counts(5, 3, 5, 1));
    expect(await feed.markSeen(u, "all")).toEqual(counts(5, 0, 5, 1));
    expect(await feed.markRead(u, "all")).toBe(0);
    expect(await feed.archive(u, "all")).toEqual(counts(0, 0, 0, 6));
    expect((await feed.list(u)).items).toEqual([]);
    expect((await feed.list(u, { status: "archived" })).items).toHaveLength(6);
    expect(await feed.unreadCount(u)).toBe(0);
  });

  it("filters by status and category, and pages by cursor exactly under filters", async () => {
    const feed = make();
    const u = user();
    for (let i = 1; i <= 40; i++)
      await feed.push(u, { title: `#${i}` }, { category: i % 3 === 0 ? "comments" : "system" });
    await feed.markRead(
      u,
      Array.from({ length: 20 }, (_, i) => i + 1),
    ); // 1..20 read
    await feed.archive(u, [3, 6, 9, 30, 31]);
    const all = async (options: Parameters<typeof feed.list>[1]) => {
      const out: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await feed.list(u, { ...options, limit: 4, ...(before ? { before } : {}) });
        out.push(...page.items.map((i) => i.id));
        expect(page.items.length).toBeLessThanOrEqual(4);
        if (page.nextCursor === undefined) return out;
        expect(page.items).toHaveLength(4);
        before = page.nextCursor;
      }
    };
    const ids = (keep: (id: number) => boolean) =>
      Array.from({ length: 40 }, (_, i) => 40 - i).filter((id) => keep(id));
    const archived = new Set([3, 6, 9, 30, 31]);
    const comments = (id: number) => id % 3 === 0;
    expect(await all({ status: "all" })).toEqual(ids(() => true));
    expect(await all({})).toEqual(ids((id) => !archived.has(id)));
    expect(await all({ status: "archived" })).toEqual([31, 30, 9, 6, 3]);
    expect(await all({ status: "unread" })).toEqual(ids((id) => id > 20 && !archived.has(id)));
    expect(await all({ status: "unseen" })).toEqual(ids((id) => id > 20 && !archived.has(id)));
    expect(await all({ category: "comments" })).toEqual(ids((id) => comments(id) && !archived.has(id)));
    expect(await all({ status: "unread", category: "comments" })).toEqual(
      ids((id) => comments(id) && id > 20 && !archived.has(id)),
    );
    expect(await all({ status: "archived", category: "system" })).toEqual([31]);
    expect(await all({ category: "nothing/here" })).toEqual([]);
    // A category with characters JSON and Lua escape differently still matches exactly.
    await feed.push(u, { title: "odd" }, { category: 'a/b "c" é' });
    expect((await feed.list(u, { category: 'a/b "c" é' })).items.map((i) => i.data.title)).toEqual(["odd"]);
  });

  it("a group update is news again: unseen, unread and back in the inbox; the rate-limit summary keeps its actors", async () => {
    const clock = manualClock();
    const feed = make({ clock, rateLimit: { max: 2, windowMs: 60_000 } });
    const u = user();
    await feed.push(u, { title: "1" }, { groupKey: "task", actor: actor("ada") });
    await feed.markRead(u, "all");
    await feed.archive(u, [1]);
    expect(await feed.counts(u)).toEqual(counts(0, 0, 0, 1));
    const updated = await feed.push(u, { title: "2" }, { groupKey: "task", actor: actor("bob") });
    expect(updated).toMatchObject({
      id: 2,
      count: 2,
      read: false,
      seen: false,
      archived: false,
      actorCount: 2,
    });
    expect(await feed.counts(u)).toEqual(counts(1, 1, 1, 0));
    // Over the rate limit (2 per window): the overflow collapses into one summary with its actors.
    for (const who of ["cy", "dee", "cy"]) await feed.push(u, { title: who }, { actor: actor(who) });
    const [summary] = (await feed.list(u)).items;
    expect(summary).toMatchObject({ summary: true, count: 3, actorCount: 2 });
    expect(summary?.actors.map((a) => a.id)).toEqual(["cy", "dee"]);
    expect(summary?.grouped.map((g) => g.title)).toEqual(["cy", "dee", "cy"]);
    expect(await feed.counts(u)).toEqual(counts(2, 2, 2, 0));
  });

  it("dedupeKey makes a push safe to repeat: a retried delivery changes nothing and returns the item standing for it", async () => {
    const clock = manualClock();
    const [storeA, storeB] = stores.pair({ pubsub: false });
    const a = make({ store: storeA, clock, dedupeWindowMs: 60_000 });
    const b = make({ store: storeB, clock, dedupeWindowMs: 60_000 });
    const u = user();
    // Fifteen comments from two instances, every one delivered at least once, #7 twice (a retry
    // in the middle), and #15 by both instances at once.
    for (let i = 1; i <= 15; i++) {
      const push = (feed: typeof a) =>
        feed.push(
          u,
          { title: `comment ${i}` },
          { groupKey: "task:234", actor: actor(people[i % 3]!), dedupeKey: `msg-${i}` },
        );
      if (i === 15) await Promise.all([push(a), push(b)]);
      else await push(i % 2 ? a : b);
      if (i === 7) {
        const again = await push(b);
        expect(again).toMatchObject({ id: 7, count: 7, groupKey: "task:234" });
      }
    }
    const { items, counts: after } = await a.list(u);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ count: 15, actorCount: 3 });
    expect(items[0]?.grouped.map((g) => g.title)).toEqual(
      Array.from({ length: 10 }, (_, i) => `comment ${15 - i}`),
    );
    expect(after).toEqual(counts(1, 1, 1, 0));
    // A retry of #3 now answers with the group's current item, and its flags.
    await a.markRead(u, "all");
    expect(
      await b.push(u, { title: "comment 3" }, { groupKey: "task:234", dedupeKey: "msg-3" }),
    ).toMatchObject({
      id: items[0]!.id,
      count: 15,
      read: true,
      seen: true,
    });
    // Removed since: nothing comes back; the answer is rebuilt from the push, with its old id.
    const solo = await a.push(u, { title: "solo" }, { dedupeKey: "solo" });
    await a.remove(u, [solo.id]);
    expect(await b.push(u, { title: "solo" }, { dedupeKey: "solo" })).toMatchObject({
      id: solo.id,
      count: 1,
    });
    expect((await a.list(u, { status: "all" })).items.map((i) => i.id)).toEqual([items[0]!.id]);
    // Past the window, the key is new again.
    await clock.advance(60_001);
    expect((await a.push(u, { title: "solo" }, { dedupeKey: "solo" })).id).toBeGreaterThan(solo.id);
    await expect(a.push(u, { title: "x" }, { dedupeKey: "" })).rejects.toThrow(
      /dedupeKey must be a non-empty string of at most 200 characters/,
    );
    await expect(a.push(u, { title: "x" }, { dedupeKey: "a\nb" })).rejects.toThrow(
      /without control characters/,
    );
  });

  it("keeps counts exact under concurrent writers from two store objects (two processes)", async () => {
    const [storeA, storeB] = stores.pair({ pubsub: false });
    const clock = manualClock();
    const a = make({ store: storeA, clock });
    const b = make({ store: storeB, clock });
    const u = user();
    for (let i = 0; i < 30; i++) await (i % 2 ? a : b).push(u, { title: `${i}` });
    await a.archive(u, [12]);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => a.markSeen(u, [i + 1, i + 2])),
      ...Array.from({ length: 8 }, (_, i) => b.markRead(u, [i * 3 + 1])),
      a.archive(u, [2, 4, 6, 8]),
      b.archive(u, [8, 10]),
      a.markUnread(u, [1, 4]),
      b.unarchive(u, [12]),
      ...Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).push(u, { title: `new ${i}` })),
      b.remove(u, [30]),
      ...Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).push(u, { title: `g${i}` }, { groupKey: "g", actor: actor(people[i]!) }),
      ),
    ]);
    const everything = (await a.list(u, { status: "all", limit: 100 })).items;
    const expected = counts(
      everything.filter((i) => !i.archived).length,
      everything.filter((i) => !i.archived && !i.seen).length,
      everything.filter((i) => !i.archived && !i.read).length,
      everything.filter((i) => i.archived).length,
    );
    expect(await a.counts(u)).toEqual(expected);
    expect(await b.counts(u)).toEqual(expected);
    expect(
      everything
        .filter((i) => i.archived)
        .map((i) => i.id)
        .sort((x, y) => x - y),
    ).toEqual([2, 4, 6, 8, 10]);
    expect(everything.filter((i) => i.groupKey === "g")).toHaveLength(1);
    expect(everything.find((i) => i.groupKey === "g")).toMatchObject({ count: 6, actorCount: 6 });
    // Whatever the interleaving, read implies seen.
    expect(everything.filter((i) => i.read && !i.seen)).toEqual([]);
  });
});
