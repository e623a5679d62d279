import { startDevServer } from "@switchboard/dev";
import { createFeed, redisFeedStore } from "@switchboard/sse";
import { Redis } from "@upstash/redis";
import { z } from "zod";

const schema = z.object({ title: z.string() });
const POLL_INTERVAL_MS = 1000;

/** Options for {@link measureFeedLatency}. */
export interface FeedLatencyOptions {
  /** Open streams, one recipient each, on one process. */
  streams: number;
  /** Pushes from another instance, one at a time, to recipients spread over the streams. */
  pushes: number;
  /** `pubsub`: the default (change messages carry the item); `polling`: `pubsub: false`, 1 s interval. */
  mode: "pubsub" | "polling";
}

/** What {@link measureFeedLatency} measured. */
export interface FeedLatency {
  /** Push on another instance → `notification` on the stream, median, ms. */
  p50: number;
  /** The same, 99th percentile, ms. */
  p99: number;
  /** Redis commands the streams' process sent per push, besides its once-per-interval poll. */
  redisCommandsPerPush: number;
  /** Redis commands the writer sent per push (its script, with the PUBLISH inside in `pubsub`). */
  writerCommandsPerPush: number;
  /** The streams' process's idle commands per second (the poll), measured with no pushes. */
  idleCommandsPerSec: number;
}

/**
 * Feed push latency with N open streams on one process, against real Redis (the dev server's
 * Upstash REST endpoint in front of 127.0.0.1:6379). The pushes come from "another instance": a
 * second store and client in this process, so the streams learn of them only through pub/sub or
 * the poll, never through the in-process wake-up.
 *
 * @example
 * ```ts
 * const { p50, p99 } = await measureFeedLatency({ streams: 5000, pushes: 200, mode: "pubsub" });
 * ```
 */
export async function measureFeedLatency(options: FeedLatencyOptions): Promise<FeedLatency> {
  const { streams: n, pushes, mode } = options;
  const dev = await startDevServer({
    port: 0,
    quiet: true,
    redisUrl: "redis://127.0.0.1:6379",
    redisPort: 0,
  });
  const redis = new Redis({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
  const prefix = `sb:bench:latency:${Date.now()}`;
  const pubsub = mode === "pubsub";
  let readerCommands = 0;
  let polls = 0;
  let writerCommands = 0;
  const store = redisFeedStore({
    redis,
    prefix,
    pubsub,
    onCommand: (name, count) => {
      if (name === "MGET") polls += count;
      else readerCommands += count;
    },
  });
  const feed = createFeed({ schema, store, pollIntervalMs: POLL_INTERVAL_MS, maxItems: 50 });
  const writer = createFeed({
    schema,
    store: redisFeedStore({ redis, prefix, pubsub, onCommand: (_name, count) => (writerCommands += count) }),
    maxItems: 50,
  });
  const controllers: AbortController[] = [];
  const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  const waiters = new Map<string, (at: number) => void>();
  try {
    let ready = 0;
    let allOpen = () => {};
    const allReady = new Promise<void>((resolve) => {
      allOpen = resolve;
    });
    for (let i = 0; i < n; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      const recipient = `user-${i}`;
      const reader = feed
        .stream(new Request("http://bench.test/s", { signal: controller.signal }), { recipient })
        .body!.getReader();
      readers.push(reader);
      void (async () => {
        const decoder = new TextDecoder();
        let opened = false;
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) return;
          const text = decoder.decode(value);
          if (!opened && text.includes("event: unread")) {
            opened = true;
            if (++ready === n) allOpen();
          }
          if (text.includes("event: notification")) waiters.get(recipient)?.(performance.now());
        }
      })();
    }
    await allReady;
    // Let the subscription open and the first polls pass.
    await new Promise((r) => setTimeout(r, 2 * POLL_INTERVAL_MS));
    polls = 0;
    readerCommands = 0;
    const idleMs = 3 * POLL_INTERVAL_MS;
    await new Promise((r) => setTimeout(r, idleMs));
    const idleCommandsPerSec = (polls + readerCommands) / (idleMs / 1000);

    readerCommands = 0;
    writerCommands = 0;
    const latencies: number[] = [];
    for (let s = 0; s < pushes; s++) {
      const recipient = `user-${(s * 7919) % n}`;
      const received = new Promise<number>((resolve) => waiters.set(recipient, resolve));
      const started = performance.now();
      await writer.push(recipient, { title: `#${s}` });
      latencies.push((await received) - started);
      waiters.delete(recipient);
      // A random pause up to one interval, so pushes land at every phase of the poll (a short
      // one would push just after each poll and measure nearly a whole interval every time).
      await new Promise((r) => setTimeout(r, Math.random() * POLL_INTERVAL_MS));
    }
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      redisCommandsPerPush: readerCommands / pushes,
      writerCommandsPerPush: writerCommands / pushes,
      idleCommandsPerSec,
    };
  } finally {
    for (const c of controllers) c.abort();
    await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    await dev.close();
  }
}

/** Nearest-rank percentile (kept here so this file does not depend on the harness). */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// `node --conditions=@switchboard/source --import tsx src/feed-latency.ts [streams] [pushes]`
if (import.meta.url === `file://${process.argv[1]}`) {
  const streams = Number(process.argv[2] ?? 5000);
  const pushes = Number(process.argv[3] ?? 100);
  for (const mode of ["pubsub", "polling"] as const) {
    const result = await measureFeedLatency({ streams, pushes, mode });
    console.log(JSON.stringify({ mode, streams, pushes, ...result }));
  }
}
