import { SwitchboardError } from "./switchboard-error";

/** A duration as QStash writes it: `"30s"`, `"5m"`, `"2h"`, `"1d"`, or compound like `"1d10h30m"`. */
export type DurationString = `${number}${"s" | "m" | "h" | "d"}${string}`;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^(?:\d+[dhms])+$/;
const PART = /(\d+)([dhms])/g;

/**
 * Parses `"30s"`, `"5m"`, `"2h"`, `"1d"` or `"1d10h30m"` into whole seconds.
 * Throws `INVALID_OPTIONS` naming `option` when the text is not a duration.
 */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${option}: "${text}" is not a duration. Use seconds as a number (30) or a string like "30s", "5m", "2h", "1d" or "1h30m".`,
    );
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    seconds += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  }
  return seconds;
}

/**
 * Normalises a duration option (seconds or a duration string) to whole seconds.
 * Rejects negative, fractional and non-finite numbers with a message naming the option.
 */
export function toSeconds(value: number | string, option: string): number {
  if (typeof value === "string") return parseDuration(value, option);
  if (!Number.isInteger(value) || value < 0) {
    throw new SwitchboardError(
      "INVALID_OPTIONS",
      `${option}: expected whole seconds >= 0 or a string like "30s", got ${value}.`,
    );
  }
  return value;
}
