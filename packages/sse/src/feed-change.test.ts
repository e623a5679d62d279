import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestRedis, useTestTcpRedis } from "../test/feed-stores";
import { manualClock } from "../test/manual-clock";
import { type ParsedEvent, readSse } from "../test/read-sse";
import { condition } from "../test/until";
import { createFeed } from "./create-feed";
import type { FeedStore } from "./feed-store";
import { memoryFeedStore } from "./memory-feed-store";
import { redisFeedStore } from "./redis-feed-store";

const schema = z.object({ title: z.string() });
const test = useTestRedis();
const tcp = useTestTcpRedis();

/** Resolves once Redis counts `n` subscribers on the store's change channel (the REST stream is open). */
async function subscribed(prefix: string, n = 1): Promise<void> {
  while ((await test.redis.exec<unknown[]>(["PUBSUB", "NUMSUB", `${prefix}:changes`]))[1] !== n);
}

const notifications = (events: ParsedEvent[]) => events.filter((e) => e.event === "notification");

/**
 * A reader in one "process" (its own store, its clock never advanced, so no poll runs) that
 * records every request it sends to Redis, and a writer in another.
 */
function twoInstances(readerOptions: { pubsub?: boolean } = {}) {
  const prefix = test.prefix();
  const commands: string[] = [];
  const clock = manualClock();
  const reader = createFeed({
    schema,
    clock,
    pollIntervalMs: 1000,
    store: redisFeedStore({
      redis: test.redis,
      prefix,
      ...readerOptions,
      onCommand: (name) => void commands.push(name),
    }),
  });
  const writer = createFeed({ schema, store: redisFeedStore({ redis: test.redis, prefix }) });
  const open = (recipient: string) => {
    const controller = new AbortController();
    const response = reader.stream(new Request("http://app.test/s", { signal: controller.signal }), {
      recipient,
    });
    return { response, close: () => controller.abort() };
  };
  return { prefix, commands, clock, reader, writer, open };
}

describe("change messages", () => {
  it("is pub/sub by default, for createFeed({ redis }) and redisFeedStore; pubsub: false opts out", () => {
    expect(createFeed({ schema, redis: test.redis, prefix: test.prefix() }).store.subscribe).toBeTypeOf(
      "function",
    );
    expect(redisFeedStore({ redis: test.redis }).subscribe).toBeTypeOf("function");
    expect(
      createFeed({ schema, redis: test.redis, prefix: test.prefix(), pubsub: false }).store.subscribe,
    ).toBeUndefined();
    expect(redisFeedStore({ redis: test.redis, pubsub: false }).subscribe).toBeUndefined();
  });

  it("writes an item pushed by another instance from the message: no Redis read on the stream side", async () => {
    const { prefix, commands, writer, open } = twoInstances();
    const stream = open("u");
    await readSse(stream.response, (e) => e.some((x) => x.event === "unread"));
    await subscribed(prefix);
    commands.length = 0;
    const pushed = await writer.push("u", { title: "from another instance" });
    const { events } = await readSse(
      stream.response,
      (e) => notifications(e).length === 1 && e.some((x) => x.event === "unread"),
    );
    const [note] = notifications(events);
    expect(note?.id).toMatch(/^[0-9a-z]+:1$/);
    expect(JSON.parse(note!.data)).toEqual({ ...pushed, groupKey: undefined });
    expect(events.find((e) => e.event === "unread")?.data).toBe('{"unread":1}');
    // markRead from the other instance: the unread count comes in the message too.
    await writer.markRead("u", "all");
    await readSse(stream.response, (e) => e.some((x) => x.event === "unread" && x.data === '{"unread":0}'));
    expect(commands).toEqual([]);
    stream.close();
    await subscribed(prefix, 0); // the last stream closed: so did the process's subscription
  });

  it("carries state and counts in the message: another instance's marks reach open tabs with no Redis read", async () => {
    const { prefix, commands, writer, open } = twoInstances();
    for (let i = 0; i < 3; i++) await writer.push("u", { title: `${i}` });
    const stream = open("u");
    await readSse(stream.response, (e) => e.some((x) => x.event === "counts"));
    await subscribed(prefix);
    commands.length = 0;
    const next = async () =>
      (await readSse(stream.response, (e) => e.some((x) => x.event === "counts"))).events
        .filter((e) => e.event !== "comment")
        .map((e) => [e.event, JSON.parse(e.data)]);
    await writer.markSeen("u", "all");
    expect(await next()).toEqual([
      ["state", { ids: "all", seen: true }],
      ["counts", { total: 3, unseen: 0, unread: 3, archived: 0 }],
    ]);
    await writer.archive("u", [1, 3, 42]);
    expect(await next()).toEqual([
      ["state", { ids: [1, 3], archived: true }],
      ["unread", { unread: 1 }],
      ["counts", { total: 1, unseen: 0, unread: 1, archived: 2 }],
    ]);
    await writer.markUnread("u", [42]); // nothing exists: an empty state, counts unchanged
    await writer.push("u", { title: "after" }, { actor: { id: "ada", name: "Ada" }, category: "comments" });
    const pushed = await readSse(stream.response, (e) => e.some((x) => x.event === "notification"));
    const note = pushed.events.find((e) => e.event === "notification");
    expect(JSON.parse(note!.data)).toMatchObject({
      id: 4,
      actors: [{ id: "ada", name: "Ada" }],
      actorCount: 1,
      category: "comments",
      grouped: [{ title: "after" }],
      seen: false,
    });
    expect(commands).toEqual([]);
    stream.close();
  });

  it("reads on a gap (a change it never got), and stays exact and in order", async () => {
    const { prefix, commands, open } = twoInstances();
    const quiet = createFeed({ schema, store: redisFeedStore({ redis: test.redis, prefix, pubsub: false }) });
    const loud = createFeed({ schema, store: redisFeedStore({ redis: test.redis, prefix }) });
    const stream = open("u");
    await readSse(stream.response, (e) => e.some((x) => x.event === "unread"));
    await subscribed(prefix);
    commands.length = 0;
    await quiet.push("u", { title: "one" }); // no message: the stream misses it
    await loud.push("u", { title: "two" }); // its message is change 2, the stream holds 0
    const { events } = await readSse(stream.response, (e) => notifications(e).length === 2);
    const sent = notifications(events).map((e) => [e.id?.split(":")[1], JSON.parse(e.data).data.title]);
    expect(sent).toEqual([
      ["1", "one"],
      ["2", "two"],
    ]);
    expect(commands).toEqual(["EVAL"]); // the one read that closed the gap
    // Caught up again: the next push is written from its message.
    commands.length = 0;
    await loud.push("u", { title: "three" });
    const next = await readSse(stream.response, (e) => notifications(e).length === 1);
    expect(notifications(next.events)[0]?.id?.split(":")[1]).toBe("3");
    expect(commands).toEqual([]);
    stream.close();
  });

  it("resets a stream whose feed was created again (new epoch) when the message comes", async () => {
    const { prefix, open, writer } = twoInstances();
    await writer.push("u", { title: "old" });
    const stream = open("u");
    const opened = await readSse(stream.response, (e) => e.some((x) => x.event === "unread"));
    const oldEpoch = opened.events.find((e) => e.event === "unread")?.id?.split(":")[0];
    await subscribed(prefix);
    await test.redis.del(...(await test.redis.keys(`${prefix}:u:*`))); // as expiry would
    await writer.push("u", { title: "new" });
    const { events } = await readSse(stream.response, (e) => e.some((x) => x.event === "reset"));
    const reset = events.find((e) => e.event === "reset");
    expect(reset?.id).toMatch(/^[0-9a-z]+:1$/);
    expect(reset?.id?.split(":")[0]).not.toBe(oldEpoch);
    stream.close();
  });

  it("publishes only the id of an item larger than maxPublishBytes; streams read it", async () => {
    const { prefix, commands, open } = twoInstances();
    const writer = createFeed({
      schema,
      store: redisFeedStore({ redis: test.redis, prefix, maxPublishBytes: 200 }),
    });
    const messages: unknown[] = [];
    const arrived = condition();
    const spy = test.redis.subscribe<unknown>(`${prefix}:changes`);
    spy.on("message", ({ message }) => {
      messages.push(message);
      arrived.changed();
    });
    const stream = open("u");
    await readSse(stream.response, (e) => e.some((x) => x.event === "unread"));
    await subscribed(prefix, 2);
    commands.length = 0;
    const big = "x".repeat(500);
    await writer.push("u", { title: big });
    const { events } = await readSse(stream.response, (e) => notifications(e).length === 1);
    expect(JSON.parse(notifications(events)[0]!.data).data.title).toBe(big);
    expect(commands).toEqual(["EVAL"]); // the message had no item: one read
    await writer.push("u", { title: "small" });
    await readSse(stream.response, (e) => notifications(e).length === 1);
    expect(commands).toEqual(["EVAL"]); // the small one came in its message
    await arrived.until(() => messages.length === 2);
    expect(messages[0]).toEqual({ r: "u", v: 1, e: expect.any(String), u: 1, c: [1, 1, 1, 0], id: 1 });
    expect(messages[1]).toMatchObject({ r: "u", v: 2, u: 2, i: { id: 2, data: { title: "small" } } });
    expect(JSON.stringify(messages[1]).length).toBeLessThan(300);
    await spy.unsubscribe();
    stream.close();
  });

  it("polling (pubsub: false) serves every stream a poll woke with ONE batched read", async () => {
    const { commands, clock, writer, open } = twoInstances({ pubsub: false });
    const n = 20;
    // Two streams for u0 (two tabs), one for every other recipient.
    const streams = [open("u0"), ...Array.from({ length: n }, (_, i) => open(`u${i}`))];
    await Promise.all(streams.map((s) => readSse(s.response, (e) => e.some((x) => x.event === "unread"))));
    for (let i = 0; i < n; i++) await writer.push(`u${i}`, { title: `for u${i}` });
    commands.length = 0;
    await clock.advance(1000); // one poll
    const received = await Promise.all(
      streams.map((s) => readSse(s.response, (e) => notifications(e).length === 1)),
    );
    expect(received.map(({ events }) => JSON.parse(notifications(events)[0]!.data).data.title)).toEqual([
      "for u0",
      ...Array.from({ length: n }, (_, i) => `for u${i}`),
    ]);
    expect(commands).toEqual(["EVAL", "EVAL"]); // the counters of all, then the reads of the changed
    for (const s of streams) s.close();
  });
});

describe("in-process writes", () => {
  it("are written from what the write returned: the memory store is not read again", async () => {
    const store = memoryFeedStore();
    let reads = 0;
    const counted: FeedStore = {
      ...store,
      since: (...args) => {
        reads++;
        return store.since(...args);
      },
      sinceMany: (requests) => {
        reads++;
        return store.sinceMany!(requests);
      },
    };
    const feed = createFeed({ schema, store: counted, clock: manualClock() });
    const controller = new AbortController();
    const response = feed.stream(new Request("http://app.test/s", { signal: controller.signal }), {
      recipient: "u",
    });
    await readSse(response, (e) => e.some((x) => x.event === "unread"));
    reads = 0;
    await feed.push("u", { title: "a" });
    await feed.push("u", { title: "b" });
    const { events } = await readSse(response, (e) => notifications(e).length === 2);
    expect(notifications(events).map((e) => JSON.parse(e.data).data.title)).toEqual(["a", "b"]);
    await feed.markRead("u", "all");
    await readSse(response, (e) => e.some((x) => x.event === "unread" && x.data === '{"unread":0}'));
    expect(reads).toBe(0);
    controller.abort();
  });
});

describe("change messages over plain Redis (ioredis, TCP SUBSCRIBE)", () => {
  it("wakes a stream in another process at once with the item and state, reading nothing", async () => {
    const prefix = test.prefix();
    const commands: string[] = [];
    const reader = createFeed({
      schema,
      clock: manualClock(), // no poll ever runs: only the message can wake the stream
      store: redisFeedStore({
        redis: tcp.redis,
        prefix,
        onCommand: (name, _n, step) => void commands.push(`${name}:${step}`),
      }),
    });
    const writer = createFeed({ schema, store: redisFeedStore({ redis: tcp.other, prefix }) });
    const controller = new AbortController();
    const response = reader.stream(new Request("http://app.test/s", { signal: controller.signal }), {
      recipient: "u",
    });
    await readSse(response, (e) => e.some((x) => x.event === "counts"));
    await subscribed(prefix);
    commands.length = 0;
    const pushed = await writer.push("u", { title: "over tcp" }, { actor: { id: "ada" } });
    const { events } = await readSse(response, (e) => notifications(e).length === 1);
    expect(JSON.parse(notifications(events)[0]!.data)).toEqual({
      ...pushed,
      groupKey: undefined,
      category: undefined,
    });
    await writer.markRead("u", [pushed.id]);
    const marked = await readSse(response, (e) => e.some((x) => x.event === "state"));
    expect(JSON.parse(marked.events.find((e) => e.event === "state")!.data)).toEqual({
      ids: [pushed.id],
      read: true,
      seen: true,
    });
    expect(commands).toEqual([]);
    controller.abort();
    await subscribed(prefix, 0); // the last stream closed: so did the duplicate connection's subscription
  });
});
