import { DevServerError } from "../dev-server-error";

const UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * Parses QStash durations: `"30s"`, `"5m"`, `"2h"`, `"1d"`, compound `"1d10h30m"`, or plain
 * seconds (`"30"`). Returns seconds. `header` names the header in the error; with `maxSeconds`, a
 * longer duration (or one with too many digits to be a finite number) is a 400 too.
 *
 * @example
 * ```ts
 * parseDuration("1h30m", "Upstash-Delay"); // 5400
 * parseDuration("400d", "Upstash-Delay", 365 * 86_400); // throws a 400 naming the header
 * ```
 */
export function parseDuration(value: string, header: string, maxSeconds?: number): number {
  const text = value.trim();
  let seconds = 0;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else if (!/^(?:\d+[dhms])+$/.test(text)) {
    throw new DevServerError(
      400,
      `${header}: "${value}" is not a duration; use e.g. "30s", "5m", "2h", "1d" or "1h30m".`,
    );
  } else {
    for (const [, amount, unit] of text.matchAll(/(\d+)([dhms])/g)) {
      seconds += Number(amount) * UNIT[unit as keyof typeof UNIT];
    }
  }
  if (maxSeconds !== undefined && !(seconds <= maxSeconds)) {
    throw new DevServerError(
      400,
      `${header}: "${value.length > 40 ? `${value.slice(0, 40)}…` : value}" is longer than the most this server accepts (${formatSeconds(maxSeconds)}).`,
    );
  }
  return seconds;
}

/** `31536000` → `"365d"`, `3600` → `"1h"`: a bound as a publisher would write it. */
export function formatSeconds(seconds: number): string {
  for (const unit of ["d", "h", "m"] as const)
    if (seconds % UNIT[unit] === 0) return `${seconds / UNIT[unit]}${unit}`;
  return `${seconds}s`;
}

/**
 * Reads a `Retry-After`-style answer: seconds, an HTTP date, or `"6m5s"`. Returns seconds from now,
 * or `undefined` when the value means nothing.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    // X-RateLimit-Reset is often a unix timestamp rather than a delta.
    return n > 1_000_000_000 ? Math.max(0, n - now / 1000) : n;
  }
  if (/^(?:\d+[dhms])+$/.test(text)) return parseDuration(text, "Retry-After");
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
