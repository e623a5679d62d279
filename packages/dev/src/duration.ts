import { DevServerError } from "./dev-server-error";

const UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * Parses QStash durations: `"30s"`, `"5m"`, `"2h"`, `"1d"`, compound `"1d10h30m"`, or plain
 * seconds (`"30"`). Returns seconds. `header` names the header in the error.
 */
export function parseDuration(value: string, header: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(?:\d+[dhms])+$/.test(text)) {
    throw new DevServerError(
      400,
      `${header}: "${value}" is not a duration; use e.g. "30s", "5m", "2h", "1d" or "1h30m".`,
    );
  }
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([dhms])/g)) {
    seconds += Number(amount) * UNIT[unit as keyof typeof UNIT];
  }
  return seconds;
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
