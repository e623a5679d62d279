import { type Spread, spread } from "./result";

/** One side of a comparison: a function that runs one round and returns its figure. */
export type Side = (() => Promise<number>) | null;

/**
 * Runs subject, baseline and limit in interleaved rounds and returns each side's spread.
 *
 * First one warm-up round per side (JIT, connection pools, caches; its figure is dropped), so no
 * side pays a cold start the others don't. Then `rounds` measured rounds; within each the three
 * sides run one after the other, and the order rotates every round (S B L, B L S, L S B, …), so
 * neither drift on a shared machine nor "who runs right after whom" favours one side.
 *
 * `between`, when given, runs untimed before every run (warm-ups included): it puts the machine
 * back in the same state for each side, e.g. empties a store the previous run filled.
 */
/**
 * A `between` for groups whose sides share the bench's process: a full collection (`pnpm bench`
 * runs with `--expose-gc`; without it, nothing), so no run pays for the garbage the one before it
 * left, and which side meets a full-heap collection is not luck.
 */
export async function collectGarbage(): Promise<void> {
  globalThis.gc?.();
}

export async function interleave(
  rounds: number,
  sides: { subject: Side; baseline?: Side; limit?: Side },
  options: { between?: () => Promise<void> } = {},
): Promise<{ subject: Spread | null; baseline: Spread | null; limit: Spread | null }> {
  const order = [sides.subject, sides.baseline ?? null, sides.limit ?? null];
  const samples: number[][] = [[], [], []];
  const between = options.between ?? (async () => {});
  for (const run of order) {
    if (!run) continue;
    await between();
    await run();
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < order.length; k++) {
      const index = (round + k) % order.length;
      const run = order[index];
      if (!run) continue;
      await between();
      samples[index]!.push(await run());
    }
  }
  const toSpread = (s: number[]) => (s.length > 0 ? spread(s) : null);
  return { subject: toSpread(samples[0]!), baseline: toSpread(samples[1]!), limit: toSpread(samples[2]!) };
}
