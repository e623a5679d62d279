import { WireError } from "./wire-error";

/** A duration as QStash writes it: `"30s"`, `"5m"`, `"2h"`, `"1d"`, or compound like `"1d10h30m"`. */
export type DurationString = `${number}${"s" | "m" | "h" | "d"}${string}`;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^(?:\d+[dhms])+$/;
const BARE_SECONDS = /^\d+$/;
const PART = /(\d+)([dhms])/g;

/** Options for {@link parseDuration}. */
export interface ParseDurationOptions {
  /**
   * Accept plain digits (`"30"`) as seconds, as QStash's headers do. An SDK option takes seconds
   * as a number instead, so there a bare `"30"` is a mistake.
   * @default false
   */
  bareSeconds?: boolean;
  /** Refuse a duration longer than this many seconds (a header a server bounds). */
  maxSeconds?: number;
}

/**
 * Parses `"30s"`, `"5m"`, `"2h"`, `"1d"` or `"1d10h30m"` into whole seconds. `name` is the option
 * or header the text came from; it starts the message of the `WireError` thrown for anything else.
 *
 * @example
 * ```ts
 * parseDuration("1h30m", "delay"); // 5400
 * parseDuration("30", "Upstash-Delay", { bareSeconds: true }); // 30
 * ```
 */
export function parseDuration(text: string, name: string, options: ParseDurationOptions = {}): number {
  const trimmed = text.trim();
  let seconds = 0;
  if (options.bareSeconds && BARE_SECONDS.test(trimmed)) {
    seconds = Number(trimmed);
  } else if (DURATION.test(trimmed)) {
    for (const [, amount, unit] of trimmed.matchAll(PART)) {
      seconds += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
    }
  } else {
    const hint = options.bareSeconds ? "" : ` Use seconds as a number (30) or`;
    throw new WireError(
      name,
      `${name}: "${shorten(text)}" is not a duration.${hint || " Use"} a string like "30s", "5m", "2h", "1d" or "1h30m".`,
    );
  }
  if (options.maxSeconds !== undefined && !(seconds <= options.maxSeconds)) {
    throw new WireError(
      name,
      `${name}: "${shorten(text)}" is longer than the most allowed (${formatSeconds(options.maxSeconds)}).`,
    );
  }
  return seconds;
}

/**
 * Normalises a duration option (whole seconds, or a duration string) to whole seconds. Rejects
 * negative, fractional and non-finite numbers with a `WireError` naming the option.
 *
 * @example
 * ```ts
 * toSeconds("2m", "timeout"); // 120
 * toSeconds(30, "timeout"); // 30
 * ```
 */
export function toSeconds(value: number | string, name: string): number {
  if (typeof value === "string") return parseDuration(value, name);
  if (!Number.isInteger(value) || value < 0) {
    throw new WireError(name, `${name}: expected whole seconds >= 0 or a string like "30s", got ${value}.`);
  }
  return value;
}

/**
 * Writes seconds as the largest whole unit: `31536000` → `"365d"`, `3600` → `"1h"`, `90` → `"90s"`.
 *
 * @example
 * ```ts
 * formatSeconds(86_400); // "1d"
 * ```
 */
export function formatSeconds(seconds: number): string {
  for (const unit of ["d", "h", "m"] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0 && seconds !== 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * Reads a `Retry-After`-style answer: seconds, a unix timestamp (as `X-RateLimit-Reset` sends),
 * an HTTP date, or a duration like `"6m5s"`. Returns seconds from `now` (ms), or `undefined` when
 * the value means nothing.
 *
 * @example
 * ```ts
 * parseRetryAfter("120"); // 120
 * parseRetryAfter("2m"); // 120
 * ```
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n > 1_000_000_000 ? Math.max(0, n - now / 1000) : n;
  }
  if (DURATION.test(text)) return parseDuration(text, "Retry-After");
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
