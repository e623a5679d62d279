import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestRedis } from "../test/feed-stores";
import { readSse } from "../test/read-sse";
import { createFeed } from "./create-feed";
import { memoryFeedStore } from "./memory-feed-store";
import { redisFeedStore } from "./redis-feed-store";
import { SharedPoller } from "./shared-poller";

const schema = z.object({ title: z.string() });
const test = useTestRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("shared poller", () => {
  it("polls Redis once per interval for all open streams: the command rate does not grow with N", async () => {
    const rates: number[] = [];
    for (const n of [10, 200]) {
      const commands: string[] = [];
      const feed = createFeed({
        schema,
        pollIntervalMs: 100,
        store: redisFeedStore({
          redis: test.redis,
          prefix: test.prefix(),
          onCommand: (name) => void commands.push(name),
        }),
      });
      const controllers = Array.from({ length: n }, () => new AbortController());
      const responses = controllers.map((c, i) =>
        feed.stream(new Request("http://app.test/s", { signal: c.signal }), { recipient: `idle-${i}` }),
      );
      await Promise.all(responses.map((r) => readSse(r, (e) => e.some((x) => x.event === "unread"))));
      // Opening costs one request per stream; from then on only the shared poll runs.
      expect(commands.filter((c) => c === "MULTI").length).toBe(n);
      commands.length = 0;
      await sleep(1000);
      expect(commands.filter((c) => c !== "MGET")).toEqual([]); // idle: nothing else
      rates.push(commands.length);
      for (const c of controllers) c.abort();
      await sleep(150);
      commands.length = 0;
      await sleep(250);
      expect(commands).toEqual([]); // the last stream closed: polling stopped
    }
    // ≈ 10 polls in 1 s whether 10 or 200 streams are open (per-stream polling would be 100 and 2,000).
    for (const rate of rates) expect(rate).toBeGreaterThanOrEqual(6);
    for (const rate of rates) expect(rate).toBeLessThanOrEqual(12);
  });

  it("wakes streams through Redis pub/sub (REST /subscribe) long before the next poll", async () => {
    const prefix = test.prefix();
    const commands: string[] = [];
    const reader = createFeed({
      schema,
      pollIntervalMs: 60_000, // the poll will not help within this test
      store: redisFeedStore({
        redis: test.redis,
        prefix,
        pubsub: true,
        onCommand: (name) => void commands.push(name),
      }),
    });
    const writer = createFeed({ schema, store: redisFeedStore({ redis: test.redis, prefix, pubsub: true }) });
    const controller = new AbortController();
    const response = reader.stream(new Request("http://app.test/s", { signal: controller.signal }), {
      recipient: "u",
    });
    await readSse(response, (e) => e.some((x) => x.event === "unread"));
    expect(commands.filter((c) => c === "SUBSCRIBE")).toHaveLength(1);
    await sleep(200); // let the subscription reach Redis
    const started = Date.now();
    await writer.push("u", { title: "from another instance" });
    const { events } = await readSse(response, (e) => e.some((x) => x.event === "notification"), 3000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(events.find((e) => e.event === "notification")?.id).toMatch(/^[0-9a-z]+:1$/); // <epoch>:<id>
    await writer.markRead("u", "all");
    await readSse(response, (e) => e.some((x) => x.event === "unread" && x.data === '{"unread":0}'), 3000);
    controller.abort();
  });

  it("wakes a stream that joined after a poll it missed", async () => {
    const store = memoryFeedStore();
    const poller = new SharedPoller(store, 10_000);
    let woken = 0;
    const stopA = poller.watch("u", () => {}, 0);
    poller.notify("u", 3); // the poller now knows version 3
    const stopB = poller.watch("u", () => void woken++, 2); // B read version 2: it is behind
    await Promise.resolve();
    expect(woken).toBe(1);
    expect(poller.running).toBe(true);
    stopA();
    stopB();
    expect(poller.running).toBe(false);
  });
});
