import { benchBundle } from "./bundle-size";
import { benchDevServer } from "./dev-deliveries";
import { benchDispatch } from "./dispatch";
import { benchFeedIdle } from "./feed-idle";
import type { BenchResult } from "./result";
import { benchRoutes } from "./route-throughput";

/** `quick` is the CI smoke size: seconds, proving the benchmarks still run; figures mean nothing. */
export type Scale = "quick" | "full";

/** Every benchmark, in the order `pnpm bench` runs them. */
export const benchmarks: { name: string; run(scale: Scale): Promise<BenchResult[]> }[] = [
  {
    name: "route",
    run: (scale) =>
      benchRoutes(
        scale === "quick"
          ? { seconds: 1, rounds: 1, connections: 4, nextRequests: 50 }
          : { seconds: 5, rounds: 2, connections: 20, nextRequests: 3000 },
      ),
  },
  { name: "dev", run: (scale) => (scale === "quick" ? benchDevServer(200, 5) : benchDevServer(5_000, 200)) },
  { name: "bundle", run: () => benchBundle() },
  { name: "dispatch", run: (scale) => benchDispatch(scale === "quick" ? 300 : 10_000) },
  {
    name: "feed",
    run: (scale) =>
      scale === "quick"
        ? benchFeedIdle([50, 100], 1500, 5)
        : benchFeedIdle([1_000, 5_000, 10_000], 5000, 100),
  },
];
