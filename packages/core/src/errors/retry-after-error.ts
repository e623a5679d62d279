import { parseDuration } from "@switchboard/wire";
import { readOption } from "./invalid-options";
import { SwitchboardError } from "./switchboard-error";

/**
 * Throw from a handler to have QStash retry no sooner than a given time, e.g. when a provider
 * rate-limits you. The route answers 429 with `Retry-After`.
 *
 * `retryAfter` is seconds (`30`), a duration (`"5m"`, `"1h30m"`) or a `Date`.
 *
 * @example
 * ```ts
 * import { RetryAfterError } from "@switchboard/core";
 *
 * handler: async (payload) => {
 *   const res = await fetch("https://api.sms.example/send", { method: "POST" });
 *   if (res.status === 429) throw new RetryAfterError(Number(res.headers.get("retry-after") ?? 60));
 * }
 * ```
 */
export class RetryAfterError extends SwitchboardError {
  override readonly name = "RetryAfterError";
  /** Whole seconds to wait before the next attempt (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(retryAfter: number | string | Date, message?: string, options: { cause?: unknown } = {}) {
    const seconds = toSeconds(retryAfter);
    super("RETRY_LATER", message ?? `Retry in ${seconds}s`, options);
    this.retryAfterSeconds = seconds;
  }
}

function toSeconds(retryAfter: number | string | Date): number {
  if (retryAfter instanceof Date) {
    const ms = retryAfter.getTime() - Date.now();
    if (Number.isNaN(ms)) throw new TypeError("RetryAfterError: the Date is invalid.");
    return Math.max(1, Math.ceil(ms / 1000));
  }
  const seconds =
    typeof retryAfter === "number" ? retryAfter : readOption(() => parseDuration(retryAfter, "retryAfter"));
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new TypeError(`RetryAfterError: expected seconds >= 0, got ${String(retryAfter)}.`);
  }
  return Math.max(1, Math.ceil(seconds));
}
