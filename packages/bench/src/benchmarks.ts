import { benchBundle } from "./bundle-size";
import { benchDevServer } from "./dev-deliveries";
import { benchDueBurst } from "./dev-due-burst";
import { benchDispatch } from "./dispatch";
import { benchFeed } from "./feed";
import type { BenchResult } from "./result";
import { benchRoutes } from "./route-throughput";

/** `tiny` is the CI size: seconds, proving every benchmark still runs; its figures mean nothing. */
export type Size = "tiny" | "normal";
export const SIZES: readonly Size[] = ["tiny", "normal"];

/** Measured rounds per side (after one warm-up round each); ≥ 3 so min / median / max mean something. */
const ROUNDS = 3;

/** Every benchmark, in the order `pnpm bench` runs them. */
export const benchmarks: { name: string; run(size: Size): Promise<BenchResult[]> }[] = [
  {
    name: "route",
    run: (size) =>
      benchRoutes(
        size === "tiny"
          ? { rounds: ROUNDS, connections: 4, amount: 100, nextRequests: 30 }
          : // 9 rounds of 2 s: with 3 (or 5) rounds of 3 s, one slow stretch of this shared
            // machine moved the Express median by 20–40% either way.
            { rounds: 9, connections: 20, seconds: 2, nextRequests: 3000 },
      ),
  },
  {
    name: "dev",
    run: async (size) => [
      ...(await benchDevServer(
        size === "tiny"
          ? { messages: 100, latencySamples: 5, rounds: ROUNDS }
          : { messages: 5_000, latencySamples: 100, rounds: ROUNDS },
      )),
      // Each round waits for a whole second ahead (notBefore is unix seconds): ~1.5 s at tiny size.
      ...(await benchDueBurst(
        size === "tiny"
          ? { messages: 50, leadMs: 1000, rounds: ROUNDS }
          : { messages: 5_000, leadMs: 2000, rounds: ROUNDS },
      )),
    ],
  },
  { name: "bundle", run: () => benchBundle() },
  {
    name: "dispatch",
    // A round is a few hundred ms, so 3 rounds' median swings ±20% on a shared machine: 9 rounds
    // (about 15 s in all) give a median worth comparing with a 1.2× bar.
    run: (size) =>
      benchDispatch(size === "tiny" ? { count: 200, rounds: ROUNDS } : { count: 10_000, rounds: 9 }),
  },
  {
    name: "feed",
    run: (size) =>
      benchFeed(
        size === "tiny"
          ? {
              streams: 20,
              windowMs: 400,
              rounds: ROUNDS,
              latency: { streams: 3, pushes: 3, pollMs: 25, seedPollMs: 100, windowMs: 50 },
            }
          : {
              streams: 1_000,
              windowMs: 3000,
              rounds: ROUNDS,
              // seed-004: 5,000 streams; the feed's 1 s poll, the seed's 3 s one.
              latency: { streams: 5_000, pushes: 150, pollMs: 1000, seedPollMs: 3000, windowMs: 3000 },
            },
      ),
  },
];
