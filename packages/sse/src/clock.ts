/**
 * What a feed decides by time: the current time, and timers. The shared poller's interval, a
 * stream's heartbeat and `maxDurationMs` deadline, `createdAt`, group and rate windows and the
 * memory store's TTL all read this one clock, so a test can drive them all by hand.
 *
 * Handles are whatever `setTimeout`/`setInterval` return; the feed only passes them back.
 *
 * @example
 * ```ts
 * import { type Clock, createFeed, systemClock } from "@switchboard/sse";
 * import { z } from "zod";
 *
 * // Every timestamp an hour ahead; timers as usual.
 * const clock: Clock = { ...systemClock, now: () => Date.now() + 3_600_000 };
 * const feed = createFeed({ schema: z.object({ title: z.string() }), clock });
 * ```
 */
export interface Clock {
  /** The time in unix milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

type Handle = ReturnType<typeof globalThis.setTimeout>;

/**
 * The real clock: `Date.now` and the global timers, looked up at each call (so
 * `vi.useFakeTimers()` in a test takes effect even for a feed created before it).
 *
 * @example
 * ```ts
 * import { createFeed, systemClock } from "@switchboard/sse";
 * import { z } from "zod";
 *
 * const feed = createFeed({ schema: z.object({ title: z.string() }), clock: systemClock });
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Handle | undefined),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as Handle | undefined),
};
