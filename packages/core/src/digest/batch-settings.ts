import { toSeconds } from "@switchboard/wire";
import { describeThrown } from "../errors/describe-thrown";
import { readOption } from "../errors/invalid-options";
import { SwitchboardError } from "../errors/switchboard-error";

/** The longest window, wait or maxWait: QStash delays a message at most 7 days. */
export const MAX_BATCH_DELAY_SECONDS = 7 * 86_400;
/** The largest `max` a digest or debounce subscriber may set. */
export const MAX_BATCH_EVENTS = 10_000;
/** `max` when none is given. */
export const DEFAULT_BATCH_EVENTS = 1000;
/** The longest key `key(event)` may return. */
export const MAX_KEY_LENGTH = 200;
/**
 * How long a bucket outlives its window when nobody delivers it (its flush keeps failing, or is
 * in the DLQ waiting for a retry): long enough for QStash's retries and a DLQ retry, short enough
 * that abandoned state expires.
 */
export const BATCH_RETENTION_SECONDS = 7 * 86_400;
/** The default prefix of every digest key, in Redis and in memory. */
export const DEFAULT_BATCH_PREFIX = "sb:digest";

/** A digest or debounce subscriber's options, validated and in the units the store uses. Internal. */
export interface BatchSettings {
  mode: "digest" | "debounce";
  key: (event: unknown) => string;
  /** Seconds from a bucket's first event to its first flush: the window, or the debounce wait. */
  delaySeconds: number;
  /** Debounce: the quiet time, in ms, a flush waits for after the last event. 0 for a digest. */
  waitMs: number;
  /** Debounce: the latest a bucket is flushed after its first event, in ms; 0 when unbounded or a digest. */
  maxWaitMs: number;
  /** Events that close a bucket at once. */
  max: number;
  prefix: string;
  /** Lifetime of a bucket's state (refreshed by every event), in seconds. */
  ttlSeconds: number;
}

/**
 * Reads a subscriber's `digest` / `debounce` options, or `undefined` when it has neither. Every
 * mistake throws `INVALID_OPTIONS` at `createChannel`, naming the option and the fix.
 */
export function readBatchSettings(
  where: string,
  options: { digest: unknown; debounce: unknown },
): BatchSettings | undefined {
  const { digest, debounce } = options;
  if (digest === undefined && debounce === undefined) return undefined;
  if (digest !== undefined && debounce !== undefined) {
    throw invalid(where, "choose `digest` or `debounce`, not both");
  }
  const mode = digest !== undefined ? "digest" : "debounce";
  const value = (digest ?? debounce) as Record<string, unknown> | null;
  if (value === null || typeof value !== "object") {
    throw invalid(
      where,
      mode === "digest"
        ? '`digest` must be { key: (event) => string, window: "10m", max? }'
        : '`debounce` must be { key: (event) => string, wait: "30s", maxWait? }',
    );
  }
  const known =
    mode === "digest" ? ["key", "window", "max", "prefix"] : ["key", "wait", "maxWait", "max", "prefix"];
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      throw invalid(where, `unknown ${mode} option "${name}". Known options: ${known.join(", ")}`);
    }
  }
  if (typeof value.key !== "function") {
    throw invalid(
      where,
      `${mode}.key must be a function of the event returning a string, e.g. (event) => event.userId`,
    );
  }
  const first = duration(
    where,
    `${mode}.${mode === "digest" ? "window" : "wait"}`,
    mode === "digest" ? value.window : value.wait,
  );
  let maxWaitSeconds = 0;
  if (mode === "debounce" && value.maxWait !== undefined) {
    maxWaitSeconds = duration(where, "debounce.maxWait", value.maxWait);
    if (maxWaitSeconds < first) {
      throw invalid(
        where,
        `debounce.maxWait (${maxWaitSeconds}s) must be at least debounce.wait (${first}s)`,
      );
    }
  }
  const max = value.max ?? DEFAULT_BATCH_EVENTS;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > MAX_BATCH_EVENTS) {
    throw invalid(
      where,
      `${mode}.max must be a whole number from 1 to ${MAX_BATCH_EVENTS}, got ${String(max)}`,
    );
  }
  const prefix = value.prefix ?? DEFAULT_BATCH_PREFIX;
  if (typeof prefix !== "string" || !/^[A-Za-z0-9:_.-]{1,100}$/.test(prefix)) {
    throw invalid(
      where,
      `${mode}.prefix must be 1-100 of letters, digits, ":", "_", "." or "-", got ${JSON.stringify(prefix)}`,
    );
  }
  const longest = mode === "digest" ? first : Math.max(first, maxWaitSeconds);
  return {
    mode,
    key: value.key as (event: unknown) => string,
    delaySeconds: first,
    waitMs: mode === "debounce" ? first * 1000 : 0,
    maxWaitMs: maxWaitSeconds * 1000,
    max,
    prefix,
    ttlSeconds: longest + BATCH_RETENTION_SECONDS,
  };
}

function duration(where: string, name: string, value: unknown): number {
  if (typeof value !== "number" && typeof value !== "string") {
    throw invalid(
      where,
      `${name} must be seconds or a duration like "30s", "10m", "1h", got ${String(value)}`,
    );
  }
  const seconds = readOption(() => toSeconds(value, `${where}: ${name}`));
  if (seconds < 1 || seconds > MAX_BATCH_DELAY_SECONDS) {
    throw invalid(where, `${name} must be from 1 second to 7 days (QStash's longest delay), got ${seconds}s`);
  }
  return seconds;
}

function invalid(where: string, message: string): SwitchboardError {
  return new SwitchboardError("INVALID_OPTIONS", `${where}: ${message}.`);
}

/**
 * Runs the subscriber's `key` on an event and checks what it returned. A throw or a bad key fails
 * the delivery (QStash retries it, then dead-letters it): an event is never dropped silently.
 */
export function keyOf(settings: BatchSettings, event: unknown, where: string): string {
  let key: unknown;
  try {
    key = settings.key(event);
  } catch (error) {
    throw new SwitchboardError(
      "HANDLER_FAILED",
      `${where}: ${settings.mode}.key threw: ${describeThrown(error)}`,
      {
        cause: error,
      },
    );
  }
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    const got = typeof key === "string" ? `a string of ${key.length} characters` : typeof key;
    throw new SwitchboardError(
      "HANDLER_FAILED",
      `${where}: ${settings.mode}.key must return a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${got}. The event was not collected; QStash retries it, then moves it to the dead-letter queue.`,
      { fix: `Return a short id such as event.userId from ${settings.mode}.key; hash longer keys.` },
    );
  }
  return key;
}
