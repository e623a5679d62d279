import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { manualClock } from "../test/manual-clock";
import { range, stalledSseClient } from "../test/raw-sse";
import { type ParsedEvent, readSse } from "../test/read-sse";
import { createFeed, type Feed } from "./create-feed";
import type { StreamOptions } from "./feed-session";

const schema = z.object({ title: z.string() });
type Item = z.infer<typeof schema>;
const user = () => `user-${randomUUID()}`;
const itemId = (id: string | undefined) => Number(id?.split(":").at(-1));
const notifications = (events: ParsedEvent[]) => events.filter((e) => e.event === "notification");
const hasUnread = (events: ParsedEvent[]) => events.some((e) => e.event === "unread");

let servers: Server[] = [];
afterEach(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  servers = [];
});

/** `feed.streamNode` on a bare node:http server; the recipient comes from `X-User`. */
async function serve(
  feed: Feed<Item>,
  options: Omit<StreamOptions, "recipient"> = {},
  onResponse: (res: ServerResponse) => void = () => {},
) {
  const server = createServer((req, res) => {
    onResponse(res);
    feed.streamNode(req, res, { ...options, recipient: req.headers["x-user"] as string | undefined });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("feed.streamNode: the stream written straight to a Node response", () => {
  it("streams pushes, then resumes exactly after Last-Event-ID (header, or the query for a first connect)", async () => {
    const feed = createFeed({ schema });
    const url = await serve(feed);
    const recipient = user();
    const first = new AbortController();
    const response = await fetch(`${url}/stream`, { headers: { "x-user": recipient }, signal: first.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const opening = await readSse(response, hasUnread);
    expect(opening.events[0]).toMatchObject({ event: "ready", retry: "2000" });

    await feed.push(recipient, { title: "one" });
    await feed.push(recipient, { title: "two" });
    const live = await readSse(response, (e) => notifications(e).length === 2);
    const ids = notifications(live.events).map((e) => e.id!);
    expect(notifications(live.events).map((e) => JSON.parse(e.data).data.title)).toEqual(["one", "two"]);
    first.abort();

    // Missed while away: three; the reconnect replays exactly those, no reset.
    for (const title of ["three", "four", "five"]) await feed.push(recipient, { title });
    const again = new AbortController();
    const resumed = await fetch(`${url}/stream`, {
      headers: { "x-user": recipient, "last-event-id": ids[1]! },
      signal: again.signal,
    });
    const replay = await readSse(resumed, hasUnread);
    expect(replay.events.filter((e) => e.event === "reset")).toEqual([]);
    expect(notifications(replay.events).map((e) => JSON.parse(e.data).data.title)).toEqual([
      "three",
      "four",
      "five",
    ]);
    again.abort();

    const query = new AbortController();
    const byQuery = await fetch(`${url}/stream?lastEventId=${encodeURIComponent(ids[0]!)}`, {
      headers: { "x-user": recipient },
      signal: query.signal,
    });
    const fromQuery = await readSse(byQuery, hasUnread);
    expect(notifications(fromQuery.events).map((e) => itemId(e.id))).toEqual([2, 3, 4, 5]);
    query.abort();
  });

  it("answers 401 with the JSON error body without a recipient, and a reset for an id it cannot read", async () => {
    const feed = createFeed({ schema });
    const url = await serve(feed);
    const refused = await fetch(`${url}/stream`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/json");
    expect(await refused.json()).toEqual({
      error: { code: "UNAUTHORIZED", message: expect.stringMatching(/No recipient/) },
    });

    const controller = new AbortController();
    const poisoned = await fetch(`${url}/stream`, {
      headers: { "x-user": user(), "last-event-id": "1, 2" }, // two different ids: ambiguous
      signal: controller.signal,
    });
    const { events } = await readSse(poisoned, hasUnread);
    expect(events.find((e) => e.event === "reset")?.data).toBe(
      JSON.stringify({ reason: "unknown-id", lastEventId: null }),
    );
    controller.abort();
  });

  it("lets go of everything when the client leaves, and ends itself at maxDurationMs", async () => {
    const clock = manualClock();
    const feed = createFeed({ schema, clock });
    const closed: Promise<void>[] = [];
    const url = await serve(feed, { maxDurationMs: 60_000, heartbeatMs: 10_000 }, (res) =>
      closed.push(new Promise((resolve) => res.once("close", () => resolve()))),
    );
    const leaving = new AbortController();
    const response = await fetch(`${url}/stream`, { headers: { "x-user": user() }, signal: leaving.signal });
    await readSse(response, hasUnread);
    expect(feed.openStreams).toBe(1);
    expect(clock.pending).toBe(2); // the stream's one timer and the shared poll
    leaving.abort();
    await closed[0]; // the server saw the client go: the stream let go with it
    expect(feed.openStreams).toBe(0);
    expect(clock.pending).toBe(0);

    const staying = await fetch(`${url}/stream`, { headers: { "x-user": user() } });
    await readSse(staying, hasUnread);
    const read = readSse(staying, () => false);
    // Ten seconds at a time, with I/O between (a ping goes out on the next tick): it keeps
    // reading, so its heartbeats never cut it off. Up to 10% early, at random: by 60 s it has ended.
    for (let at = 0; at <= 50_000; at += 10_000) {
      expect(feed.openStreams, `open at ${at / 1000} s`).toBe(1);
      await clock.advance(10_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { events, ended } = await read;
    expect(ended).toBe(true);
    expect(events.filter((e) => e.comment === "ping").length).toBeGreaterThanOrEqual(4);
    expect(feed.openStreams).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("holds at most maxBufferedBytes for a client that stopped reading, cuts it off, and the reconnect resumes every item exactly once", async () => {
    const heartbeatMs = 15_000;
    const maxBufferedBytes = 64 * 1024;
    const ITEM_BYTES = 8 * 1024;
    const clock = manualClock();
    const feed = createFeed({ schema, maxItems: 5000, clock });
    const recipient = user();
    const responses: ServerResponse[] = [];
    const url = await serve(feed, { maxBufferedBytes, heartbeatMs, maxReplay: 1000 }, (res) =>
      responses.push(res),
    );
    const client = await stalledSseClient(Number(new URL(url).port), `X-User: ${recipient}\r\n`);
    const res = responses[0]!;
    const closed = new Promise<void>((resolve) => res.once("close", () => resolve()));

    // Push, letting I/O run between pushes, until the response has held still for 50 pushes.
    let pushed = 0;
    let still = 0;
    let most = 0;
    const pad = "x".repeat(ITEM_BYTES);
    while (still < 50) {
      const before = res.writableLength;
      await feed.push(recipient, { title: `${++pushed} ${pad}` });
      await new Promise((resolve) => setImmediate(resolve));
      most = Math.max(most, res.writableLength);
      still = res.writableLength === before && before > 0 ? still + 1 : 0;
      expect(pushed, "the stream never stalled").toBeLessThan(5000);
    }
    // Full, but never past the bound by more than the one event that crossed it.
    expect(res.writableLength).toBeGreaterThan(maxBufferedBytes - 2 * 2 * ITEM_BYTES);
    expect(most).toBeLessThanOrEqual(maxBufferedBytes + 2 * 2 * ITEM_BYTES + 1024);
    expect(feed.openStreams).toBe(1); // stalled, not gone: a slow client may still catch up

    await clock.advance(heartbeatMs);
    expect(feed.openStreams).toBe(1);
    await clock.advance(heartbeatMs); // a whole heartbeat with nothing taken: cut off
    expect(feed.openStreams).toBe(0);
    await closed;
    expect(res.destroyed).toBe(true);
    expect((res.errored as Error | null)?.message).toMatch(/stopped reading.*maxBufferedBytes \(65536\)/);
    for (let i = 0; i < 20; i++) await feed.push(recipient, { title: `${++pushed} ${pad}` });

    const first = await client.readRest();
    expect(first.ids).toEqual(range(1, first.ids.length));
    const controller = new AbortController();
    const again = await fetch(`${url}/stream`, {
      headers: { "x-user": recipient, "last-event-id": first.lastEventId },
      signal: controller.signal,
    });
    const { events } = await readSse(again, hasUnread);
    expect(events.filter((e) => e.event === "reset")).toEqual([]);
    const secondIds = notifications(events).map((e) => itemId(e.id));
    expect([...first.ids, ...secondIds]).toEqual(range(1, pushed));
    controller.abort();
  });
});
