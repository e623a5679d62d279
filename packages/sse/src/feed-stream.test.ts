import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { feedStores } from "../test/feed-stores";
import { type ManualClock, manualClock } from "../test/manual-clock";
import { type ParsedEvent, readSse } from "../test/read-sse";
import { createFeed, type FeedOptions } from "./create-feed";
import type { StreamOptions } from "./feed-stream";

const schema = z.object({ title: z.string().min(1), body: z.string().optional() });
const user = () => `user-${randomUUID()}`;
const notifications = (events: ParsedEvent[]) => events.filter((e) => e.event === "notification");
/** The item id in an SSE id: `<epoch>:<id>` once the feed has an epoch, a bare number before. */
const itemId = (id: string | undefined) => Number(id?.split(":").at(-1));
const ids = (events: ParsedEvent[]) => notifications(events).map((e) => itemId(e.id));
const resets = (events: ParsedEvent[]) => events.filter((e) => e.event === "reset");
/** An SSE id of the current feed generation. */
const epochId = (id: number) => expect.stringMatching(new RegExp(`^[0-9a-z]{1,16}:${id}$`));
const hasUnread = (events: ParsedEvent[]) => events.some((e) => e.event === "unread");
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Real timers and intervals alive in this process (vitest's own included): a feed on a manual clock adds none. */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe.each(feedStores())("stream on $name", (stores) => {
  /** A feed on its own manual clock: its poller, heartbeats and deadlines run only when the test advances it. */
  const make = (options: Partial<FeedOptions<typeof schema>> & { clock?: ManualClock } = {}) => {
    const clock = options.clock ?? manualClock();
    const feed = createFeed({
      schema,
      pollIntervalMs: 50,
      ...options,
      clock,
      store: options.store ?? stores.make(),
    });
    return Object.assign(feed, { clock });
  };
  const open = (
    feed: ReturnType<typeof make>,
    recipient: string | undefined,
    init: { lastEventId?: string | string[]; query?: string } & Partial<StreamOptions> = {},
  ) => {
    const { lastEventId, query, ...options } = init;
    const controller = new AbortController();
    const headers = new Headers();
    // Several values are several headers, as a proxy may send them (`Headers.get` joins them with ", ").
    for (const value of [lastEventId ?? []].flat()) headers.append("Last-Event-ID", value);
    const request = new Request(`http://app.test/stream${query ?? ""}`, {
      headers,
      signal: controller.signal,
    });
    const response = feed.stream(request, { heartbeatMs: 60_000, ...options, recipient });
    return { response, controller };
  };

  it("answers 401 JSON without a recipient, and streams with SSE headers and retry", async () => {
    const feed = make();
    for (const recipient of [undefined, ""]) {
      const { response } = open(feed, recipient);
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.json()).toEqual({
        error: {
          code: "UNAUTHORIZED",
          message: expect.stringMatching(/^No recipient: pass the signed-in user's id/),
        },
      });
    }
    const ok = open(feed, user());
    expect(ok.response.status).toBe(200);
    expect(Object.fromEntries(ok.response.headers)).toMatchObject({
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    const { events } = await readSse(ok.response, hasUnread);
    expect(events[0]).toMatchObject({ event: "ready", retry: "2000" });
    expect(events[1]).toMatchObject({ event: "unread", id: "0", data: '{"unread":0}' });
    ok.controller.abort();
  });

  it("feed.handler reads the recipient with an async auth callback; none → 401", async () => {
    const feed = make();
    const handler = feed.handler({
      recipient: async (request) => request.headers.get("x-user"),
      heartbeatMs: 60_000,
    });
    expect((await handler(new Request("http://app.test/stream?recipient=mallory"))).status).toBe(401);
    const u = user();
    await feed.push(u, { title: "hello" });
    const controller = new AbortController();
    const response = await handler(
      new Request("http://app.test/stream?lastEventId=0", {
        headers: { "x-user": u },
        signal: controller.signal,
      }),
    );
    const { events } = await readSse(response, hasUnread);
    expect(ids(events)).toEqual([1]);
    controller.abort();
  });

  it("resumes exactly after Last-Event-ID: the missing 100 in order, no duplicates", async () => {
    const feed = make();
    const u = user();
    const first = open(feed, u, { maxReplay: 150 });
    await readSse(first.response, hasUnread);
    for (let i = 1; i <= 100; i++) await feed.push(u, { title: `${i}` });
    const { events } = await readSse(first.response, (e) => notifications(e).length >= 100);
    expect(ids(events)).toEqual(range(1, 100));
    first.controller.abort();

    for (let i = 101; i <= 200; i++) await feed.push(u, { title: `${i}` });
    const lastSeen = events.filter((e) => e.id !== undefined).at(-1)!.id!;
    expect(lastSeen).toEqual(epochId(100));
    const second = open(feed, u, { lastEventId: lastSeen, maxReplay: 150 });
    const resumed = await readSse(second.response, hasUnread);
    expect(ids(resumed.events)).toEqual(range(101, 200));
    expect(JSON.parse(notifications(resumed.events)[0]!.data)).toMatchObject({
      id: 101,
      data: { title: "101" },
    });
    await feed.push(u, { title: "live" });
    const live = await readSse(second.response, (e) => notifications(e).length >= 1);
    expect(ids(live.events)).toEqual([201]); // live after the replay, nothing repeated
    second.controller.abort();
  });

  it("sends one reset instead of replaying a gap larger than maxReplay (also from ?lastEventId=)", async () => {
    const feed = make();
    const u = user();
    for (let i = 1; i <= 30; i++) await feed.push(u, { title: `${i}` });
    const { response, controller } = open(feed, u, { query: "?lastEventId=5", maxReplay: 10 });
    const { events } = await readSse(response, hasUnread);
    expect(notifications(events)).toEqual([]);
    expect(resets(events)).toEqual([
      { event: "reset", id: epochId(30), data: '{"reason":"gap","lastEventId":5}' },
    ]);
    controller.abort();
    // Within the bound the query parameter resumes, and the header wins over it.
    const near = open(feed, u, { query: "?lastEventId=5", lastEventId: "25", maxReplay: 10 });
    expect(ids((await readSse(near.response, hasUnread)).events)).toEqual(range(26, 30));
    near.controller.abort();
  });

  it("sends a reset when Last-Event-ID is ahead of the feed (its keys expired or were deleted)", async () => {
    const feed = make();
    const u = user();
    await feed.push(u, { title: "1" });
    const { response, controller } = open(feed, u, { lastEventId: "500" });
    const { events } = await readSse(response, hasUnread);
    expect(events.find((e) => e.event === "reset")).toMatchObject({
      id: epochId(1),
      data: '{"reason":"unknown-id","lastEventId":500}',
    });
    await feed.push(u, { title: "2" });
    expect(ids((await readSse(response, (e) => notifications(e).length > 0)).events)).toEqual([2]);
    controller.abort();
  });

  it("sends a reset, not the new items' tail, when the feed expired and grew again (ttlSeconds)", async () => {
    const ttlSeconds = 60;
    const { store, clock, expire } = stores.expiring(ttlSeconds);
    const feed = make({ store, clock, ttlSeconds });
    const u = user();
    for (let i = 1; i <= 5; i++) await feed.push(u, { title: `old ${i}` });
    const first = open(feed, u, { lastEventId: "0" });
    const seen = await readSse(first.response, hasUnread);
    expect(ids(seen.events)).toEqual(range(1, 5));
    first.controller.abort();
    const lastSeen = seen.events.at(-1)!.id!;
    expect(lastSeen).toEqual(epochId(5));

    await expire(u); // idle past its TTL: every key is gone
    for (let i = 1; i <= 7; i++) await feed.push(u, { title: `new ${i}` }); // ids 1..7 again
    const second = open(feed, u, { lastEventId: lastSeen });
    const { events } = await readSse(second.response, hasUnread);
    // Item 5 of the old feed is not item 5 of this one: replaying 6 and 7 would hide 1..5.
    expect(notifications(events)).toEqual([]);
    expect(resets(events)).toEqual([
      { event: "reset", id: epochId(7), data: '{"reason":"unknown-id","lastEventId":5}' },
    ]);
    expect(resets(events)[0]!.id).not.toBe(lastSeen.replace(/:5$/, ":7")); // a new epoch
    await feed.push(u, { title: "new 8" });
    expect(ids((await readSse(second.response, (e) => notifications(e).length > 0)).events)).toEqual([8]);
    second.controller.abort();

    // A bare number (the `lastEventId` option, or an id from before epochs) still resumes.
    const bare = open(feed, u, { lastEventId: "6" });
    expect(ids((await readSse(bare.response, hasUnread)).events)).toEqual([7, 8]);
    bare.controller.abort();
  });

  it("answers an ambiguous or malformed Last-Event-ID with one reset, never a 500 or a silent skip", async () => {
    const feed = make();
    const u = user();
    for (let i = 1; i <= 3; i++) await feed.push(u, { title: `${i}` });
    const unreadable = '{"reason":"unknown-id","lastEventId":null}';
    const cases: { init: { lastEventId?: string[]; query?: string }; data: string }[] = [
      { init: { lastEventId: ["1", "2"] }, data: unreadable }, // two headers: which one is true?
      { init: { query: "?lastEventId=1&lastEventId=2" }, data: unreadable },
      ...["abc", "-1", "1.5", "1e3", "0x10", "99999999999999999999", "1 2", ":2", "UPPER:2"].map((value) => ({
        init: { lastEventId: [value] },
        data: unreadable,
      })),
      { init: { query: `?lastEventId=${"9".repeat(400)}` }, data: unreadable },
      // Well formed, but from another feed generation.
      { init: { lastEventId: ["zz9:2"] }, data: '{"reason":"unknown-id","lastEventId":2}' },
    ];
    for (const { init, data } of cases) {
      const { response, controller } = open(feed, u, init);
      expect(response.status).toBe(200);
      const { events } = await readSse(response, hasUnread);
      expect({ init, notifications: ids(events), resets: resets(events) }).toEqual({
        init,
        notifications: [],
        resets: [{ event: "reset", id: epochId(3), data }],
      });
      controller.abort();
    }
    // The same id twice is not ambiguous; nor is a header that is only blank (no id at all).
    const twice = open(feed, u, { lastEventId: ["1", "1"] });
    expect(ids((await readSse(twice.response, hasUnread)).events)).toEqual([2, 3]);
    twice.controller.abort();
    const blank = open(feed, u, { lastEventId: [" "] });
    const fromNow = await readSse(blank.response, hasUnread);
    expect([ids(fromNow.events), resets(fromNow.events)]).toEqual([[], []]);
    blank.controller.abort();
  });

  it("sends a group update as a new item, and the unread count with every change", async () => {
    const feed = make();
    const u = user();
    const { response, controller } = open(feed, u);
    await readSse(response, hasUnread);
    await feed.push(u, { title: "1 comment" }, { groupKey: "task-234" });
    const first = await readSse(response, (e) => notifications(e).length >= 1);
    await feed.push(u, { title: "2 comments" }, { groupKey: "task-234" });
    const second = await readSse(response, (e) => notifications(e).length >= 1);
    expect([...first.events, ...second.events].filter((e) => e.event !== "comment")).toMatchObject([
      { event: "notification", id: epochId(1) },
      { event: "unread", data: '{"unread":1}' },
      { event: "counts", data: '{"total":1,"unseen":1,"unread":1,"archived":0}' },
      { event: "notification", id: epochId(2) }, // replaces item 1 (same groupKey): counts stay
    ]);
    expect(JSON.parse(notifications(second.events)[0]!.data)).toMatchObject({
      count: 2,
      groupKey: "task-234",
    });
    controller.abort();
  });

  it("delivers writes from another process through the shared poller, mark-read as unread events", async () => {
    const [readerStore, writerStore] = stores.pair();
    const reader = make({ store: readerStore });
    const writer = make({ store: writerStore });
    const u = user();
    const { response, controller } = open(reader, u);
    await readSse(response, hasUnread);
    const pushed = await writer.push(u, { title: "from elsewhere" });
    // The reader's next two polls (memory: the write already woke it). With pub/sub on (Redis), a
    // change whose message did not come (the subscription may still be opening) is served by the
    // second poll that sees it: the first leaves it to the message.
    await reader.clock.advance(100);
    const { events } = await readSse(
      response,
      (e) =>
        notifications(e).length === 1 && e.some((x) => x.event === "unread" && x.data === '{"unread":1}'),
    );
    expect(ids(events)).toEqual([pushed.id]);
    await writer.markRead(u, "all");
    await reader.clock.advance(100);
    const after = await readSse(response, (e) =>
      e.some((x) => x.event === "unread" && x.data === '{"unread":0}'),
    );
    expect(after.events.at(-1)?.id).toEqual(epochId(pushed.id));
    controller.abort();
  });

  it("keeps item content from injecting SSE fields", async () => {
    const feed = make();
    const u = user();
    const { response, controller } = open(feed, u);
    await readSse(response, hasUnread);
    const title = "x\n\nevent: reset\nid: 999\r\ndata: evil\rretry: 1";
    await feed.push(u, { title, body: "line 1\nline 2" });
    const { events } = await readSse(response, (e) => notifications(e).length >= 1);
    expect(events.filter((e) => e.event === "reset" || e.id === "999")).toEqual([]);
    expect(JSON.parse(notifications(events)[0]!.data).data).toEqual({ title, body: "line 1\nline 2" });
    controller.abort();
  });

  it("cleans up on abort: no timers left, and the shared poller stops with the last stream", async () => {
    const feed = make();
    const before = timers();
    const streams = Array.from({ length: 5 }, () => open(feed, user()));
    await Promise.all(streams.map((s) => readSse(s.response, hasUnread)));
    expect(feed.openStreams).toBe(5);
    // One timer per stream (its next heartbeat, or its deadline) and one shared poll, all on the feed's clock.
    expect(feed.clock.pending).toBe(5 + 1);
    for (const s of streams.slice(1)) s.controller.abort();
    expect(feed.openStreams).toBe(1);
    expect(feed.clock.pending).toBe(1 + 1);
    streams[0]!.controller.abort();
    expect(feed.openStreams).toBe(0);
    expect(feed.clock.pending).toBe(0);
    const aborted = new AbortController();
    aborted.abort();
    const late = feed.stream(new Request("http://app.test/s", { signal: aborted.signal }), {
      recipient: user(),
    });
    expect((await readSse(late, () => false)).ended).toBe(true);
    expect(feed.clock.pending).toBe(0);
    expect(timers()).toBeLessThanOrEqual(before); // and none on the real clock
  });

  it("sends comment heartbeats, and ends before maxDuration leaving nothing behind", async () => {
    const feed = make();
    const before = timers();
    const response = feed.stream(new Request("http://app.test/stream"), {
      recipient: user(),
      heartbeatMs: 30,
      maxDurationMs: 250,
    });
    const opened = await readSse(response, hasUnread);
    expect(opened.events.map((e) => e.event)).toEqual(["ready", "unread", "counts"]);
    // One ping per 30 ms, read as it comes (a client that reads nothing for a beat is cut off).
    const ping = { event: "comment", id: undefined, data: "", comment: "ping" };
    let pings = 0;
    for (let at = 30; at <= 210; at += 30) {
      await feed.clock.advance(30);
      const { events } = await readSse(response, (e) => e.length > 0);
      expect(events).toEqual([ping]);
      pings++;
    }
    // The deadline falls 0-10% before maxDurationMs (225-250 ms): open until then, gone after.
    await feed.clock.advance(224 - 210);
    expect(feed.openStreams).toBe(1);
    await feed.clock.advance(250 - 224);
    expect(feed.openStreams).toBe(0);
    const { events, ended } = await readSse(response, () => false);
    expect(ended).toBe(true);
    expect(events.every((e) => e.event === "comment")).toBe(true); // a 240 ms ping, if the deadline was later
    expect(pings + events.length).toBeGreaterThanOrEqual(7);
    expect(pings + events.length).toBeLessThanOrEqual(8);
    expect(feed.clock.pending).toBe(0);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
