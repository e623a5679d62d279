import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestRedis } from "../test/feed-stores";
import { manualClock } from "../test/manual-clock";
import { readSse } from "../test/read-sse";
import { createFeed } from "./create-feed";
import type { FeedChange, FeedStore } from "./feed-store";
import { memoryFeedStore } from "./memory-feed-store";
import { redisFeedStore } from "./redis-feed-store";
import { type FeedWatcher, SharedPoller } from "./shared-poller";

const schema = z.object({ title: z.string() });
const test = useTestRedis();

describe("shared poller", () => {
  it("polls Redis once per interval for all open streams: the command rate does not grow with N", async () => {
    for (const n of [10, 200]) {
      const commands: string[] = [];
      const clock = manualClock();
      const feed = createFeed({
        schema,
        clock,
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
      // Opening reads go out together (one EVAL for up to 100 streams, two in flight at once),
      // not one request per stream; from then on only the shared poll runs.
      const opening = commands.filter((c) => c === "EVAL").length;
      expect(opening).toBeGreaterThanOrEqual(Math.ceil(n / 100));
      expect(opening).toBeLessThanOrEqual(Math.ceil(n / 100) + 2);
      commands.length = 0;
      // One second of the feed's clock: each 100 ms tick's poll runs to completion before the next.
      await clock.advance(1000);
      // 10 polls whether 10 or 200 streams are open (per-stream polling would be 100 and 2,000).
      expect(commands).toEqual(Array(10).fill("EVAL"));
      for (const c of controllers) c.abort();
      expect(clock.pending).toBe(0); // the last stream closed: polling stopped, no heartbeat left
      commands.length = 0;
      await clock.advance(1000);
      expect(commands).toEqual([]);
    }
  });

  it("wakes streams through Redis pub/sub (REST /subscribe) long before the next poll", async () => {
    const prefix = test.prefix();
    const commands: string[] = [];
    const reader = createFeed({
      schema,
      clock: manualClock(), // never advanced: the poll cannot be what wakes the stream
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
    // The REST /subscribe stream is open once Redis counts a subscriber on the channel.
    const channel = `${prefix}:changes`;
    while ((await test.redis.exec<unknown[]>(["PUBSUB", "NUMSUB", channel]))[1] !== 1);
    await writer.push("u", { title: "from another instance" });
    const { events } = await readSse(response, (e) => e.some((x) => x.event === "notification"));
    expect(events.find((e) => e.event === "notification")?.id).toMatch(/^[0-9a-z]+:1$/); // <epoch>:<id>
    await writer.markRead("u", "all");
    await readSse(response, (e) => e.some((x) => x.event === "unread" && x.data === '{"unread":0}'));
    controller.abort();
  });

  it("wakes a stream that joined after a poll it missed", async () => {
    const store = memoryFeedStore();
    const clock = manualClock();
    const poller = new SharedPoller(store, 10_000, clock);
    let woken = 0;
    const stopA = poller.watch(
      "u",
      watcher(() => {}),
      0,
    );
    poller.notify("u", 3); // the poller now knows version 3
    const stopB = poller.watch(
      "u",
      watcher(() => void woken++),
      2,
    ); // B read version 2: it is behind
    await Promise.resolve();
    expect(woken).toBe(1);
    expect(poller.running).toBe(true);
    expect(clock.pending).toBe(1); // one interval for both streams
    stopA();
    stopB();
    expect(poller.running).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe("shared poller with pub/sub on: the poll is the safety net, not a race", () => {
  /** A store whose change counter the test sets, and whose pub/sub messages the test sends (or loses). */
  function pubsubStore() {
    const counters = new Map<string, number>();
    let announce: ((recipient: string, version: number, change?: FeedChange) => void) | undefined;
    let reads = 0;
    const store = {
      versions: async (recipients: readonly string[]) => recipients.map((r) => counters.get(r) ?? 0),
      subscribe: (onChange: NonNullable<typeof announce>) => {
        announce = onChange;
        return () => {
          announce = undefined;
        };
      },
      since: async () => {
        reads++;
        return { items: [], version: 0 };
      },
    } as unknown as FeedStore;
    return {
      store,
      write: (recipient: string, version: number) => void counters.set(recipient, version),
      announce: (recipient: string, version: number) => announce?.(recipient, version),
      get reads() {
        return reads;
      },
    };
  }

  function watching(version = 0) {
    const redis = pubsubStore();
    const clock = manualClock();
    const poller = new SharedPoller(redis.store, 1000, clock);
    const wakes: string[] = [];
    const stop = poller.watch(
      "u",
      watcher(() => void wakes.push("woken")),
      version,
    );
    return { redis, clock, poller, wakes, stop };
  }

  it("leaves a change the poll saw first to its message, which comes before the next poll", async () => {
    const { redis, clock, wakes, stop } = watching();
    redis.write("u", 1); // written by another process; its message is still on the way
    await clock.advance(1000);
    expect(wakes).toEqual([]); // the poll saw it, and did not read the store in a race with it
    redis.announce("u", 1);
    expect(wakes).toEqual(["woken"]);
    await clock.advance(3000);
    expect(wakes).toEqual(["woken"]); // nothing served twice
    stop();
  });

  it("serves a change whose message was lost at the next poll", async () => {
    const { redis, clock, wakes, stop } = watching();
    redis.write("u", 1);
    await clock.advance(1000);
    expect(wakes).toEqual([]);
    await clock.advance(1000);
    expect(wakes).toEqual(["woken"]);
    await clock.advance(3000);
    expect(wakes).toEqual(["woken"]);
    stop();
  });

  it("keeps serving within two polls when writes never stop and every message is lost", async () => {
    const { redis, clock, wakes, stop } = watching();
    for (let version = 1; version <= 5; version++) {
      redis.write("u", version);
      await clock.advance(1000);
    }
    // Each change waits at most one extra poll: woken at polls 2 and 4 (versions 2 and 4).
    expect(wakes).toEqual(["woken", "woken"]);
    await clock.advance(1000);
    expect(wakes).toEqual(["woken", "woken", "woken"]);
    stop();
  });

  it("serves a feed created again (its counter went down) at once", async () => {
    const { redis, clock, wakes, stop } = watching(7);
    redis.write("u", 1);
    await clock.advance(1000);
    expect(wakes).toEqual(["woken"]);
    stop();
  });

  it("forgets what it waited for when the recipient's last stream closes", async () => {
    const { redis, clock, poller, wakes, stop } = watching();
    redis.write("u", 1);
    await clock.advance(1000); // version 1 is awaited from its message
    stop();
    redis.write("u", 2);
    // A new stream for the same recipient: its change is a first sighting, not one owed from before.
    const again: string[] = [];
    const stopAgain = poller.watch(
      "u",
      watcher(() => void again.push("woken")),
      0,
    );
    await clock.advance(1000);
    expect(again).toEqual([]);
    await clock.advance(1000);
    expect(again).toEqual(["woken"]);
    expect(wakes).toEqual([]);
    stopAgain();
  });
});

/** A watcher that only counts wake-ups. */
function watcher(wake: () => void): FeedWatcher {
  return { wake, position: () => undefined, deliver: () => {} };
}
