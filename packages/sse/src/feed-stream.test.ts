import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { feedStores } from "../test/feed-stores";
import { type ParsedEvent, readSse } from "../test/read-sse";
import { createFeed, type FeedOptions } from "./create-feed";
import type { StreamOptions } from "./feed-stream";

const schema = z.object({ title: z.string().min(1), body: z.string().optional() });
const user = () => `user-${randomUUID()}`;
const notifications = (events: ParsedEvent[]) => events.filter((e) => e.event === "notification");
const ids = (events: ParsedEvent[]) => notifications(events).map((e) => Number(e.id));
const hasUnread = (events: ParsedEvent[]) => events.some((e) => e.event === "unread");
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Timers and intervals alive in this process (vitest's own included). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe.each(feedStores())("stream on $name", (stores) => {
  const make = (options: Partial<FeedOptions<typeof schema>> = {}) =>
    createFeed({ schema, pollIntervalMs: 50, ...options, store: options.store ?? stores.make() });
  const open = (
    feed: ReturnType<typeof make>,
    recipient: string | undefined,
    init: { lastEventId?: string; query?: string } & Partial<StreamOptions> = {},
  ) => {
    const { lastEventId, query, ...options } = init;
    const controller = new AbortController();
    const request = new Request(`http://app.test/stream${query ?? ""}`, {
      headers: lastEventId ? { "Last-Event-ID": lastEventId } : {},
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
      expect(await response.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
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
    expect(lastSeen).toBe("100");
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
    expect(events.filter((e) => e.event === "reset")).toEqual([
      { event: "reset", id: "30", data: '{"reason":"gap","lastEventId":5}' },
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
      id: "1",
      data: '{"reason":"unknown-id","lastEventId":500}',
    });
    await feed.push(u, { title: "2" });
    expect(ids((await readSse(response, (e) => notifications(e).length > 0)).events)).toEqual([2]);
    controller.abort();
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
      { event: "notification", id: "1" },
      { event: "unread", data: '{"unread":1}' },
      { event: "notification", id: "2" }, // replaces item 1 (same groupKey): unread stays 1
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
    const { events } = await readSse(
      response,
      (e) =>
        notifications(e).length === 1 && e.some((x) => x.event === "unread" && x.data === '{"unread":1}'),
    );
    expect(ids(events)).toEqual([pushed.id]);
    await writer.markRead(u, "all");
    const after = await readSse(response, (e) =>
      e.some((x) => x.event === "unread" && x.data === '{"unread":0}'),
    );
    expect(after.events.at(-1)?.id).toBe(String(pushed.id));
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
    // A heartbeat and a deadline per stream, one shared poll (other timers may come and go).
    expect(timers()).toBeGreaterThanOrEqual(before + 5 * 2 + 1 - 1);
    for (const s of streams.slice(1)) s.controller.abort();
    expect(feed.openStreams).toBe(1);
    expect(timers()).toBeLessThanOrEqual(before + 2 + 1);
    streams[0]!.controller.abort();
    expect(feed.openStreams).toBe(0);
    expect(timers()).toBeLessThanOrEqual(before);
    const aborted = new AbortController();
    aborted.abort();
    const late = feed.stream(new Request("http://app.test/s", { signal: aborted.signal }), {
      recipient: user(),
    });
    expect((await readSse(late, () => false, 1000)).ended).toBe(true);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("sends comment heartbeats, and ends before maxDuration leaving nothing behind", async () => {
    const feed = make();
    const before = timers();
    const response = feed.stream(new Request("http://app.test/stream"), {
      recipient: user(),
      heartbeatMs: 30,
      maxDurationMs: 250,
    });
    const started = Date.now();
    const { events, ended } = await readSse(response, () => false, 2000);
    expect(ended).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(220);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(events.filter((e) => e.event === "comment").length).toBeGreaterThanOrEqual(5);
    expect(feed.openStreams).toBe(0);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
