import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "@switchboard/core/express";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { manualClock } from "../test/manual-clock";
import { range, stalledSseClient } from "../test/raw-sse";
import { readSse } from "../test/read-sse";
import { createFeed } from "./create-feed";
import { FeedError } from "./feed-error";

const schema = z.object({ title: z.string() });
const maxBufferedBytes = 64 * 1024;
const ITEM_BYTES = 8 * 1024;
const heartbeatMs = 15_000;
const itemId = (id: string | undefined) => Number(id?.split(":").at(-1));

/** What the server side saw of one stream, measured between `feed.stream` and the Node bridge. */
interface Observed {
  /** Bytes the bridge took from the stream. */
  pulled: number;
  /** The newest item id among them. */
  lastPulledId: number;
  /** Why the stream ended, if it errored. */
  error: unknown;
  /** Bytes the feed's stream enqueued (counted at its controller). */
  enqueued: number;
  /** Resolves with the error the stream ended with. */
  errored: Promise<unknown>;
}

describe("a client that stops reading, over real HTTP through the Node bridge", () => {
  // The heartbeat is the stream's only clock for the cut-off: the test moves it (sockets keep their real I/O).
  const clock = manualClock();
  const feed = createFeed({ schema, maxItems: 5000, clock });
  const recipient = `user-${randomUUID()}`;
  const observed: Observed[] = [];
  /** Per request, in order: resolves when the server's response closed (ended or destroyed). */
  const responsesClosed: Promise<void>[] = [];
  let server: Server;
  let port: number;

  beforeAll(async () => {
    // Count what the feed's stream enqueues at its own controller: the one that enqueues while
    // `feed.stream` runs (it sends `ready` at once).
    const enqueue = ReadableStreamDefaultController.prototype.enqueue;
    let opening: Observed | undefined;
    const controllers = new Map<ReadableStreamDefaultController, Observed>();
    vi.spyOn(ReadableStreamDefaultController.prototype, "enqueue").mockImplementation(function (
      this: ReadableStreamDefaultController,
      chunk?: unknown,
    ) {
      if (opening && !controllers.has(this)) controllers.set(this, opening);
      const seen = controllers.get(this);
      if (seen && chunk instanceof Uint8Array) seen.enqueued += chunk.byteLength;
      return enqueue.call(this, chunk);
    });
    const handler = toNodeHandler((request) => {
      let errored!: (error: unknown) => void;
      const seen: Observed = {
        pulled: 0,
        lastPulledId: 0,
        error: undefined,
        enqueued: 0,
        errored: new Promise((resolve) => (errored = resolve)),
      };
      observed.push(seen);
      opening = seen;
      const response = feed.stream(request, { recipient, maxBufferedBytes, heartbeatMs, maxReplay: 1000 });
      opening = undefined;
      // A pass-through that reads only when the bridge asks (highWaterMark 0), counting bytes.
      const inner = response.body!.getReader();
      const counted = new ReadableStream<Uint8Array>(
        {
          start(controller) {
            inner.closed.catch((error: unknown) => {
              seen.error = error;
              errored(error);
              controller.error(error);
            });
          },
          async pull(controller) {
            const chunk = await inner.read().catch(() => undefined);
            if (!chunk) return;
            if (chunk.done) return controller.close();
            seen.pulled += chunk.value.byteLength;
            const text = new TextDecoder().decode(chunk.value);
            for (const match of text.matchAll(/event: notification\nid: (\S+)/g))
              seen.lastPulledId = itemId(match[1]);
            controller.enqueue(chunk.value);
          },
          cancel: (reason) => inner.cancel(reason),
        },
        { highWaterMark: 0 },
      );
      return new Response(counted, { headers: response.headers });
    });
    server = createServer((req, res) => {
      responsesClosed.push(new Promise<void>((resolve) => res.once("close", () => resolve())));
      void handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  it("is cut off with a bounded buffer while pushes go on, and resumes every item exactly once", async () => {
    const client = await stalledSseClient(port, "Accept: text/event-stream\r\n");
    expect(feed.openStreams).toBe(1);
    const stream = observed[0]!;

    // Push, letting I/O run between pushes as a real store's round trips do, until the stream
    // has stalled: 50 pushes in a row went by and it enqueued nothing.
    let pushed = 0;
    let idle = 0;
    const pad = "x".repeat(ITEM_BYTES);
    while (idle < 50) {
      const before = stream.enqueued;
      await feed.push(recipient, { title: `${++pushed} ${pad}` });
      await new Promise((resolve) => setImmediate(resolve));
      idle = stream.enqueued === before ? idle + 1 : 0;
      expect(pushed, "the stream never stalled").toBeLessThan(5000);
    }
    expect(feed.openStreams).toBe(1); // stalled, not gone: a slow client may still catch up

    // What it holds: what it enqueued minus what the bridge took. Full, but not past the bound.
    const held = stream.enqueued - stream.pulled;
    expect(held).toBeGreaterThan(maxBufferedBytes - 2 * ITEM_BYTES);
    expect(held).toBeLessThanOrEqual(maxBufferedBytes);
    // Each event carries its payload twice (`data`, and `grouped: [data]`): the rest stayed in the store.
    expect(stream.pulled).toBeLessThan(pushed * 2 * ITEM_BYTES);

    // It took nothing for a whole heartbeat while bytes waited: cut off by the server.
    await clock.advance(heartbeatMs);
    expect(feed.openStreams).toBe(1);
    await clock.advance(heartbeatMs);
    expect(feed.openStreams).toBe(0);
    const error = await stream.errored;
    expect(error).toBeInstanceOf(FeedError);
    expect((error as Error).message).toMatch(/stopped reading.*maxBufferedBytes \(65536\)/);
    await responsesClosed[0]; // the bridge dropped the connection while the client still reads nothing

    // Pushes continue; the cut stream takes none of them.
    const pulledAtCut = stream.pulled;
    for (let i = 0; i < 20; i++) await feed.push(recipient, { title: `${++pushed} ${pad}` });
    expect(stream.pulled).toBe(pulledAtCut);
    expect(feed.openStreams).toBe(0);

    // The client reads what reached it, then reconnects with the last id it saw.
    const first = await client.readRest();
    expect(first.ids).toEqual(range(1, first.ids.length));

    const controller = new AbortController();
    const again = await fetch(`http://127.0.0.1:${port}/stream`, {
      headers: { "Last-Event-ID": first.lastEventId },
      signal: controller.signal,
    });
    const { events } = await readSse(again, (e) => e.some((x) => x.event === "unread"));
    const secondIds = events.filter((e) => e.event === "notification").map((e) => itemId(e.id));
    expect(events.filter((e) => e.event === "reset")).toEqual([]);
    expect([...first.ids, ...secondIds]).toEqual(range(1, pushed));
    controller.abort();
  });
});
