import { Redis } from "@upstash/redis";
import type { ChildCommand, ChildConfig, ChildReply } from "./feed-latency-child";
import { type LatencySide, limitSide, seedSide, subjectSide } from "./feed-latency-sides";
import { collectGarbage, interleave } from "./interleave";
import { type BenchResult, figure, percentile, type Spread, spread, type Target } from "./result";
import { tsxProcess } from "./tsx-process";

/** Options for {@link benchFeedLatency}. */
export interface FeedLatencyOptions {
  /** Open streams per round, one recipient each, on the streams' process. */
  streams: number;
  /** Pushes per round, from another process, at random moments within `windowMs`. */
  pushes: number;
  /** Measured rounds per side (after one warm-up round each). */
  rounds: number;
  /** The feed's poll interval (`pollIntervalMs`): the safety net with pub/sub, the path without. */
  pollMs: number;
  /** The seed design's per-stream poll interval (3 s in the seed). */
  seedPollMs: number;
  /** The pushes' spread in time: a few poll intervals, so every phase of the poll gets its share. */
  windowMs: number;
}

type Mode = "pubsub" | "polling";
type SideName = "subject" | "baseline" | "limit";
interface RoundFigures {
  p50: number;
  p99: number;
  commandsPerPush: number;
}

/**
 * Push → `notification` latency with N open streams, for the feed with pub/sub and with
 * `pubsub: false` (polling), each interleaved with its baseline (the seed's design: a poll per
 * stream every 3 s) and its limit (raw SSE fed by one Redis `SUBSCRIBE`). Four processes:
 *
 * - this one: the streams' servers (subject, baseline, limit), the "app instance";
 * - the dev server's Redis REST endpoint in front of 127.0.0.1:6379 (redis-rest-child.ts);
 * - "another instance" that pushes through its own feed, store and client, and "the browsers":
 *   N raw SSE sockets (feed-latency-child.ts). It stamps each push when it sends it and each
 *   event when it arrives, on one clock.
 *
 * Every round opens N streams to fresh recipients, waits until each is watching (and the side's
 * subscription, if any, is confirmed), pushes, waits for every event, then closes them all.
 *
 * @example
 * ```ts
 * const rows = await benchFeedLatency({
 *   streams: 5000, pushes: 150, rounds: 3, pollMs: 1000, seedPollMs: 3000, windowMs: 3000,
 * });
 * ```
 */
export async function benchFeedLatency(
  options: FeedLatencyOptions,
  processes: FeedLatencyProcesses = startFeedLatencyProcesses(),
): Promise<BenchResult[]> {
  const { rest, client } = processes;
  const sides: LatencySide[] = [];
  let redis: Redis | undefined;
  const prefix = `sb:bench:latency:${Date.now()}`;
  try {
    const { redisUrl, token } = await rest.read<{ redisUrl: string; token: string }>();
    redis = new Redis({ url: redisUrl, token, enableTelemetry: false });
    const config: ChildConfig = { redisUrl, token, prefix };
    await expectOk(client.request<ChildReply>(config));
    const baseline = await seedSide({ redis, prefix, intervalMs: options.seedPollMs });
    const limit = await limitSide({ redis, prefix });
    sides.push(baseline, limit);
    let round = 0;
    const rows: BenchResult[] = [];
    for (const mode of ["pubsub", "polling"] as const) {
      const subject = await subjectSide({ redis, prefix, pubsub: mode === "pubsub", pollMs: options.pollMs });
      sides.push(subject);
      const figures: Record<SideName, RoundFigures[]> = { subject: [], baseline: [], limit: [] };
      const run = (name: SideName, side: LatencySide) => async () => {
        const measured = await measureRound(client, side, {
          ...options,
          round: round++,
          // The limit hears pushes only through PUBLISH; the others write as the mode says.
          pubsub: name === "limit" || mode === "pubsub",
        });
        figures[name].push(measured);
        return measured.p99;
      };
      // A collection before every round (untimed): the three sides share this process, and a
      // round should not pay for the garbage the round before it left.
      await interleave(
        options.rounds,
        { subject: run("subject", subject), baseline: run("baseline", baseline), limit: run("limit", limit) },
        { between: collectGarbage },
      );
      rows.push(...latencyRows(mode, options, figures));
      await subject.close();
      sides.pop();
    }
    return rows;
  } finally {
    await client.end();
    for (const side of sides) await side.close();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    }
    await rest.end();
  }
}

/**
 * Starts the Redis REST endpoint's process and the pushing one. Seconds on a busy machine (tsx
 * compiles the sources): start them early, e.g. before other measurements, and hand them to
 * {@link benchFeedLatency}, which ends them.
 */
export function startFeedLatencyProcesses() {
  return {
    rest: tsxProcess(new URL("./redis-rest-child.ts", import.meta.url)),
    client: tsxProcess(new URL("./feed-latency-child.ts", import.meta.url)),
  };
}
export type FeedLatencyProcesses = ReturnType<typeof startFeedLatencyProcesses>;

async function expectOk(reply: Promise<ChildReply>): Promise<ChildReply> {
  const r = await reply;
  if (r.error) throw new Error(`feed latency child: ${r.error}`);
  return r;
}

/** One round on one side: open N streams, push, collect every push's latency, close. */
async function measureRound(
  client: ReturnType<typeof tsxProcess>,
  side: LatencySide,
  o: FeedLatencyOptions & { round: number; pubsub: boolean },
): Promise<RoundFigures> {
  const port = Number(new URL(side.url).port);
  const open: ChildCommand = { cmd: "open", port, n: o.streams, round: o.round, marker: side.marker };
  await expectOk(client.request<ChildReply>(open));
  try {
    await withTimeout(side.listening(), 30_000, "the side's Redis subscription was never confirmed");
    side.commands = 0;
    // Generous: a missing event is a failure to report, not a slow one to wait out.
    const timeoutMs = o.windowMs + 3 * Math.max(o.pollMs, o.seedPollMs) + 30_000;
    const push: ChildCommand = {
      cmd: "push",
      round: o.round,
      n: o.streams,
      pushes: o.pushes,
      windowMs: o.windowMs,
      pubsub: o.pubsub,
      timeoutMs,
    };
    const { latencies = [] } = await expectOk(client.request<ChildReply>(push));
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      commandsPerPush: side.commands / o.pushes,
    };
  } finally {
    await expectOk(client.request<ChildReply>({ cmd: "close" } satisfies ChildCommand));
    await side.drained();
    side.endRound();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`feed latency: ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** p50, p99 and stream-side commands per push for one mode; the warm-up round of each side dropped. */
function latencyRows(
  mode: Mode,
  o: FeedLatencyOptions,
  figures: Record<SideName, RoundFigures[]>,
): BenchResult[] {
  const of = (name: SideName, key: keyof RoundFigures): Spread | null => {
    const measured = figures[name].slice(1).map((f) => f[key]);
    return measured.length > 0 ? spread(measured) : null;
  };
  const sides = (key: keyof RoundFigures) => ({
    value: of("subject", key),
    baseline: of("baseline", key),
    limit: of("limit", key),
  });
  const absolute = (text: string, bound: number): Target => ({
    text,
    checks: [{ of: "absolute", op: "<=", factor: bound }],
  });
  const who =
    mode === "pubsub"
      ? "Ours: feed.streamNode on node:http, pub/sub on (the change message carries the item)"
      : `Ours: feed.streamNode on node:http, pubsub: false (one shared poll every ${o.pollMs} ms)`;
  const setup = `${o.streams} streams per round, ${o.pushes} pushes per round at random moments within ${o.windowMs} ms from another process (its own feed, store and Redis client; it also holds the SSE sockets and stamps push and arrival on one clock), real Redis through the dev server's REST endpoint in a third process, ${o.rounds} rounds after a warm-up, interleaved. ${who}. Baseline: the seed design, a raw SSE response per stream polling its recipient every ${o.seedPollMs} ms (ZRANGE, then HMGET on news). Limit: raw SSE responses fed by ONE Redis SUBSCRIBE over REST, relaying each message's item.`;
  // The pub/sub bar is both: at most 25 ms, and at most 1.5× the one-SUBSCRIBE relay.
  const p99Target: Target =
    mode === "pubsub"
      ? {
          text: "≤ 25 ms and ≤ 1.5× limit",
          checks: [
            { of: "absolute", op: "<=", factor: 25 },
            { of: "limit", op: "<=", factor: 1.5 },
          ],
        }
      : absolute(`≤ interval + 100 ms (${o.pollMs + 100} ms)`, o.pollMs + 100);
  return [
    figure({
      name: `feed.latency.${mode}.p50`,
      unit: "ms",
      better: "lower",
      ...sides("p50"),
      note: `push → \`notification\` event, median of each round's pushes. ${setup}`,
    }),
    figure({
      name: `feed.latency.${mode}.p99`,
      unit: "ms",
      better: "lower",
      ...sides("p99"),
      target: p99Target,
      note: `as feed.latency.${mode}.p50, 99th percentile of each round's pushes.`,
    }),
    figure({
      name: `feed.latency.${mode}.redisCommandsPerPush`,
      unit: "cmd",
      better: "lower",
      ...sides("commandsPerPush"),
      target: mode === "pubsub" ? absolute("0", 0) : null,
      note: `Redis commands the streams' process sent because of the pushes, ÷ pushes; the idle poll (ours: one MGET per interval; seed: its ZRANGE per stream) is not counted here (see feed.idleCommandsPerSec). Seed: the HMGET after a poll found news. Limit: none after its SUBSCRIBE.`,
    }),
  ];
}

// `node --import tsx src/feed-latency.ts [streams] [pushes]` (the built packages; add
// `--conditions=@switchboard/source` to run their sources)
if (import.meta.url === `file://${process.argv[1]}`) {
  const streams = Number(process.argv[2] ?? 5000);
  const pushes = Number(process.argv[3] ?? 150);
  const rows = await benchFeedLatency({
    streams,
    pushes,
    rounds: 3,
    pollMs: 1000,
    seedPollMs: 3000,
    windowMs: 3000,
  });
  for (const row of rows) console.log(JSON.stringify(row));
}
