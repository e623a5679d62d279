/**
 * The headers a delivery carries, by the name each side reads or writes. QStash sets the
 * `Upstash-*` ones; `Switchboard-Max-Retries` is set at dispatch and forwarded by QStash as a plain
 * header, so the handler knows its retry budget exactly. It is left out when the budget is
 * {@link DEFAULT_RETRIES}: a delivery without it has that budget.
 */
export const HEADERS = Object.freeze({
  /** The HS256 JWT over the destination URL and the body's SHA-256. */
  signature: "Upstash-Signature",
  /** QStash's message id, the same across retries. */
  messageId: "Upstash-Message-Id",
  /** How many times this message was retried before this delivery. */
  retried: "Upstash-Retried",
  /** Set on deliveries made by a schedule. */
  scheduleId: "Upstash-Schedule-Id",
  /** The retry budget the message was published with; absent means {@link DEFAULT_RETRIES}. */
  maxRetries: "Switchboard-Max-Retries",
  /** QStash's retry-delay expression, milliseconds over `retried`. */
  retryDelay: "Upstash-Retry-Delay",
  /** What a handler answers when it wants the next attempt later. */
  retryAfter: "Retry-After",
  /**
   * W3C trace context of the span that sent the message, set at dispatch and forwarded by QStash
   * (`Upstash-Forward-traceparent`), so the delivery's span joins the sender's trace.
   */
  traceparent: "traceparent",
  /** W3C vendor trace state, forwarded with `traceparent`. */
  tracestate: "tracestate",
} as const);

/**
 * The headers a publish sends to QStash (`POST /v2/publish/…`, `/v2/enqueue/…`, items of
 * `/v2/batch`): written by dispatch, read by the dev server. Names are case-insensitive on the
 * wire. The retry-delay expression is {@link HEADERS}`.retryDelay`, shared with deliveries.
 *
 * @example
 * ```ts
 * headers.set(PUBLISH_HEADERS.delay, "30s");
 * headers.set(`${PUBLISH_HEADERS.forwardPrefix}traceparent`, traceparent);
 * ```
 */
export const PUBLISH_HEADERS = Object.freeze({
  method: "Upstash-Method",
  delay: "Upstash-Delay",
  notBefore: "Upstash-Not-Before",
  deduplicationId: "Upstash-Deduplication-Id",
  contentBasedDeduplication: "Upstash-Content-Based-Deduplication",
  retries: "Upstash-Retries",
  callback: "Upstash-Callback",
  failureCallback: "Upstash-Failure-Callback",
  timeout: "Upstash-Timeout",
  flowControlKey: "Upstash-Flow-Control-Key",
  flowControlValue: "Upstash-Flow-Control-Value",
  label: "Upstash-Label",
  /** `Upstash-Forward-<name>: v` is delivered to the destination as `<name>: v`. */
  forwardPrefix: "Upstash-Forward-",
} as const);

/** QStash's default number of retries when none is given: deliveries = 1 + retries. */
export const DEFAULT_RETRIES = 3;

/** The longest QStash waits between attempts (backoff and `Retry-After` are capped at one day). */
export const MAX_WAIT_SECONDS = 86_400;

/**
 * Reads a count header (`Upstash-Retried`, `Switchboard-Max-Retries`): a whole number >= 0, or
 * `undefined` for a missing or malformed value, so a forged header never becomes a negative or
 * fractional attempt.
 *
 * @example
 * ```ts
 * readCount(request.headers.get(HEADERS.retried)) ?? 0;
 * ```
 */
export function readCount(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  return value.trim() !== "" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
