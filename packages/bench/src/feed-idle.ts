import { startDevServer } from "@switchboard/dev";
import { createFeed, redisFeedStore } from "@switchboard/sse";
import { Redis } from "@upstash/redis";
import { z } from "zod";
import { type BenchResult, compare, percentile } from "./result";

const schema = z.object({ title: z.string() });
const SEED_POLL_MS = 3000;

/**
 * N idle SSE streams on one process against real Redis (the dev server's Upstash REST endpoint in
 * front of 127.0.0.1:6379): Redis requests per second while idle, memory per connection, and push →
 * client latency when the push comes from another instance (a second store: no in-process wake-up).
 * Baseline: the seed app's design, one sorted-set poll per connection every 3 s, measured for the
 * smallest N.
 */
export async function benchFeedIdle(
  sizes: number[],
  measureMs: number,
  latencySamples: number,
): Promise<BenchResult[]> {
  const dev = await startDevServer({
    port: 0,
    quiet: true,
    redisUrl: "redis://127.0.0.1:6379",
    redisPort: 0,
  });
  const redis = new Redis({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
  const prefix = `sb:bench:${Date.now()}`;
  const results: BenchResult[] = [];
  try {
    for (const n of sizes) {
      let commands = 0;
      const store = redisFeedStore({ redis, prefix, onCommand: () => commands++ });
      const feed = createFeed({ schema, store, pollIntervalMs: 1000, maxItems: 50 });
      global.gc?.();
      const before = process.memoryUsage();
      const controllers: AbortController[] = [];
      const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
      const waiters = new Map<string, (at: number) => void>();
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
          for (;;) {
            const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
            if (done) return;
            if (decoder.decode(value).includes("event: notification"))
              waiters.get(recipient)?.(performance.now());
          }
        })();
      }
      // Let every stream open and the first poll (which wakes each new stream once) pass.
      await new Promise((r) => setTimeout(r, 2500 + n / 5));
      global.gc?.();
      const memoryPerConnection = (process.memoryUsage().heapUsed - before.heapUsed) / n;
      commands = 0;
      await new Promise((r) => setTimeout(r, measureMs));
      const perSecond = commands / (measureMs / 1000);

      let baselinePerSecond = n / (SEED_POLL_MS / 1000);
      let baselineNote = "seed design computed as N / 3 s";
      if (n === sizes[0]) {
        // Measure the seed design for real at the smallest size: one ZRANGEBYSCORE per connection per 3 s.
        let seedCommands = 0;
        const timers = Array.from({ length: n }, () =>
          setInterval(() => {
            seedCommands++;
            void redis.zrange(`${prefix}:seed`, Date.now() - 3000, "+inf", { byScore: true }).catch(() => {});
          }, SEED_POLL_MS),
        );
        // Timers start together: count over whole 3 s periods, or the window would miss or double firings.
        const seedWindowMs = Math.max(SEED_POLL_MS, Math.floor(measureMs / SEED_POLL_MS) * SEED_POLL_MS);
        seedCommands = 0;
        await new Promise((r) => setTimeout(r, seedWindowMs + 100));
        for (const t of timers) clearInterval(t);
        baselinePerSecond = seedCommands / (seedWindowMs / 1000);
        baselineNote = "seed design measured: a poll per connection every 3 s";
      }
      results.push(
        compare(
          `feed.idle.commandsPerSec.${n}`,
          "cmd/s",
          perSecond,
          baselinePerSecond,
          "lower",
          { max: 2, text: "flat: ≤ 2 cmd/s at any N" },
          `${n} idle streams, poll interval 1 s; ${baselineNote}`,
        ),
        compare(
          `feed.memoryPerConnection.${n}`,
          "KiB",
          memoryPerConnection / 1024,
          null,
          "lower",
          null,
          "heap per open stream",
        ),
      );

      if (n === sizes[0]) {
        // Push from "another instance" (a second store object): delivery waits for the shared poll.
        const other = createFeed({ schema, store: redisFeedStore({ redis, prefix }), maxItems: 50 });
        const latencies: number[] = [];
        for (let s = 0; s < latencySamples; s++) {
          const recipient = `user-${(s * 7919) % n}`;
          const received = new Promise<number>((resolve) => waiters.set(recipient, resolve));
          const started = performance.now();
          await other.push(recipient, { title: `#${s}` });
          latencies.push((await received) - started);
          waiters.delete(recipient);
          await new Promise((r) => setTimeout(r, Math.random() * 300));
        }
        results.push(
          compare(
            "feed.pushLatency.p50",
            "ms",
            percentile(latencies, 50),
            null,
            "lower",
            null,
            "push on another instance → event on the stream (poll interval 1 s)",
          ),
          compare("feed.pushLatency.p99", "ms", percentile(latencies, 99), null, "lower", {
            max: 1500,
            text: "≤ 1 interval + 0.5 s",
          }),
        );
      }
      for (const c of controllers) c.abort();
      await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
    }
  } finally {
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    await dev.close();
  }
  return results;
}
