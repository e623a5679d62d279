import type { Clock } from "../src/clock";

/** A clock that only moves when told to. Test-only. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, running every timer that falls due on the way, earliest first
   * (intervals as often as they fall due), and waiting for what each callback returns: the shared
   * poller's tick returns its poll, so `advance` resolves once that poll's round trip is done.
   */
  advance(ms: number): Promise<void>;
  /** Timers scheduled and not yet run or cleared (an interval counts until it is cleared). */
  readonly pending: number;
}

interface Timer {
  at: number;
  every: number | undefined;
  callback: () => unknown;
}

/** A {@link ManualClock} starting at `start` (unix ms). Test-only. */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  let time = start;
  let nextId = 1;
  const timers = new Map<number, Timer>();
  const schedule = (callback: () => unknown, ms: number, every: number | undefined) => {
    const id = nextId++;
    timers.set(id, { at: time + Math.max(0, ms), every, callback });
    return id;
  };
  const clear = (handle: unknown) => void timers.delete(handle as number);
  return {
    now: () => time,
    setTimeout: (callback, ms) => schedule(callback, ms, undefined),
    setInterval: (callback, ms) => schedule(callback, ms, Math.max(1, ms)),
    clearTimeout: clear,
    clearInterval: clear,
    get pending() {
      return timers.size;
    },
    async advance(ms) {
      const target = time + ms;
      for (;;) {
        let due: [number, Timer] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
        }
        if (!due) break;
        const [id, timer] = due;
        time = timer.at;
        if (timer.every === undefined) timers.delete(id);
        else timer.at += timer.every;
        await timer.callback();
      }
      time = target;
    },
  };
}
