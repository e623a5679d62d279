import type { ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { startDevServer } from "@switchboard/dev";
import { createFeed, redisFeedStore } from "@switchboard/sse";
import { Redis } from "@upstash/redis";
import { z } from "zod";
import {
  benchFeedLatency,
  type FeedLatencyOptions,
  type FeedLatencyProcesses,
  startFeedLatencyProcesses,
} from "./feed-latency";
import { interleave } from "./interleave";
import { listen } from "./listen";
import { type BenchResult, figure } from "./result";
import { sseClients } from "./sse-clients";

const schema = z.object({ title: z.string() });
const SEED_POLL_MS = 3000;
const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FeedOptions {
  /** Open streams for the idle and memory figures. */
  streams: number;
  /** Length of one idle-counting window. */
  windowMs: number;
  rounds: number;
  /** Sizes of the latency rows (feed-latency.ts); rounds are `rounds`. */
  latency: Omit<FeedLatencyOptions, "rounds">;
}

/**
 * Live feeds over real Redis (the dev server's Upstash REST endpoint in front of 127.0.0.1:6379).
 *
 * - idle Redis commands per second with N open streams, vs the seed design (each stream polls its
 *   sorted set every 3 s, phases spread as connections arrive);
 * - heap per open stream served over node:http (clients live in a child process), vs the seed
 *   design (raw SSE + a 3 s poll timer per stream) and a raw node:http SSE stream (the limit);
 * - push → event latency (p50, p99, stream-side commands per push) with pub/sub and polling,
 *   pushes from another process, vs the seed design and raw SSE fed by one SUBSCRIBE
 *   (`feed-latency.ts`).
 */
export async function benchFeed(options: FeedOptions): Promise<BenchResult[]> {
  // Their start-up (tsx compiling the sources) overlaps the heap and idle rows.
  const latencyProcesses = startFeedLatencyProcesses();
  const dev = await startDevServer({
    port: 0,
    quiet: true,
    redisUrl: "redis://127.0.0.1:6379",
    redisPort: 0,
  });
  const redis = new Redis({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
  const prefix = `sb:bench:${Date.now()}`;
  const clients = sseClients();
  const n = options.streams;
  let commands = 0;
  const store = redisFeedStore({ redis, prefix, onCommand: () => commands++ });
  const feed = createFeed({ schema, store, pollIntervalMs: POLL_MS, maxItems: 50 });
  const recipientOf = (url: string | undefined) =>
    new URL(url ?? "/", "http://x").searchParams.get("recipient") ?? "anon";
  // Ours on Node: feed.streamNode on the Node response. Context: feed.stream (web Request and
  // Response) behind @hono/node-server, what a fetch-style app on Node serves.
  const webListener = getRequestListener((request) =>
    feed.stream(request, { recipient: recipientOf(request.url) }),
  );
  // The seed design and the limit: raw SSE on node:http; the seed adds its own poll timer per stream.
  let seedPolls = 0;
  const rawSse = (withSeedPoll: boolean) => (res: ServerResponse, recipient: string) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(": open\n\n");
    if (!withSeedPoll) return;
    let since = Date.now();
    const poll = async () => {
      seedPolls++;
      const items = await redis
        .zrange(`${prefix}:seed:${recipient}`, since, "+inf", { byScore: true })
        .catch(() => [] as unknown[]);
      since = Date.now();
      for (const item of items) res.write(`data: ${JSON.stringify(item)}\n\n`);
    };
    // The first poll at a random phase (connections arrive at random times), then every 3 s.
    let every: ReturnType<typeof setInterval> | undefined;
    const first = setTimeout(() => {
      void poll();
      every = setInterval(() => void poll(), SEED_POLL_MS);
    }, Math.random() * SEED_POLL_MS);
    res.once("close", () => {
      clearTimeout(first);
      clearInterval(every);
    });
  };
  const servers = {
    subject: await listen((req, res) => feed.streamNode(req, res, { recipient: recipientOf(req.url) })),
    web: await listen((req, res) => webListener(req, res)),
    baseline: await listen((req, res) => rawSse(true)(res, recipientOf(req.url))),
    limit: await listen((_req, res) => rawSse(false)(res, "")),
  };
  const results: BenchResult[] = [];
  try {
    // Heap per open stream: open N, settle, gc, read the heap, close N.
    const settleMs = Math.min(300, options.windowMs / 4);
    const heapRound = (url: string) => async () => {
      // Twice: one gc can leave garbage of the previous round behind and make the delta negative.
      global.gc?.();
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      await clients.open(url, "/feed", n);
      await sleep(settleMs);
      global.gc?.();
      global.gc?.();
      const perStream = (process.memoryUsage().heapUsed - before) / n / 1024;
      await clients.close();
      await sleep(settleMs);
      return perStream;
    };
    const heap = await interleave(options.rounds, {
      subject: heapRound(servers.subject.url),
      baseline: heapRound(servers.baseline.url),
      limit: heapRound(servers.limit.url),
    });
    results.push(
      figure({
        name: `feed.heapPerStream.${n}`,
        unit: "KiB",
        better: "lower",
        value: heap.subject,
        baseline: heap.baseline,
        limit: heap.limit,
        target: { text: "≤ 1.5× limit", checks: [{ of: "limit", op: "<=", factor: 1.5 }] },
        note: `${n} open streams over node:http (clients in a child process), server heap after gc ÷ N. Ours: feed.streamNode on the Node response. Baseline: the seed design, raw SSE + a 3 s poll timer per stream. Limit: a raw node:http SSE response.`,
      }),
    );
    const webHeap = await interleave(options.rounds, {
      subject: heapRound(servers.web.url),
      limit: heapRound(servers.limit.url),
    });
    results.push(
      figure({
        name: `feed.heapPerStream.web.${n}`,
        unit: "KiB",
        better: "lower",
        value: webHeap.subject,
        limit: webHeap.limit,
        note: `Context, no target: the same ${n} streams served by feed.stream (a web Request, ReadableStream and Response per stream) behind @hono/node-server, against the same raw node:http limit. On Node, feed.streamNode is the one to use.`,
      }),
    );

    // Idle Redis commands per second: both populations stay open; windows alternate.
    await clients.open(servers.subject.url, "/feed", n);
    await clients.open(servers.baseline.url, "/feed", n);
    await sleep(POLL_MS + settleMs);
    const window = (read: () => number) => async () => {
      const start = read();
      await sleep(options.windowMs);
      return (read() - start) / (options.windowMs / 1000);
    };
    const idle = await interleave(options.rounds, {
      subject: window(() => commands),
      baseline: window(() => seedPolls),
    });
    await clients.close();
    results.push(
      figure({
        name: `feed.idleCommandsPerSec.${n}`,
        unit: "cmd/s",
        better: "lower",
        value: idle.subject,
        baseline: idle.baseline,
        target: { text: "≤ 2 cmd/s (flat in N)", checks: [{ of: "absolute", op: "<=", factor: 2 }] },
        note: `${n} idle streams, poll interval ${POLL_MS} ms, ${options.windowMs} ms windows. Baseline: the seed design, one sorted-set poll per stream every 3 s. No limit measured: a Redis SUBSCRIBE sends nothing while idle (0 cmd/s).`,
      }),
    );

    results.push(...(await latencyRows(options.latency, options.rounds, latencyProcesses)));
  } finally {
    await latencyProcesses.client.end();
    await latencyProcesses.rest.end();
    clients.end();
    await servers.subject.close();
    await servers.web.close();
    await servers.baseline.close();
    await servers.limit.close();
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    await dev.close();
  }
  return results;
}

/** Push → event latency rows: see `benchFeedLatency`. */
function latencyRows(
  options: FeedOptions["latency"],
  rounds: number,
  processes: FeedLatencyProcesses,
): Promise<BenchResult[]> {
  return benchFeedLatency({ ...options, rounds }, processes);
}
