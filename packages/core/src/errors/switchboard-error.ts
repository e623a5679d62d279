import { describeThrown } from "./describe-thrown";

/**
 * Every error code Switchboard raises, each with the HTTP status the route answers with.
 *
 * Statuses follow QStash's rules: 489 with `Upstash-NonRetryable-Error` stops retries at once,
 * 429 with `Retry-After` sets the next attempt, any other non-2xx is retried.
 */
export const ERROR_STATUS = {
  /** No, bad or expired signature; body hash or `sub` mismatch. */
  UNAUTHORIZED: 401,
  /** Unknown job, channel or subscriber, or a malformed query. Not retried. */
  NOT_FOUND: 489,
  /** The body is not JSON or fails the schema. Thrown at dispatch; answered with 489 at delivery. */
  INVALID_PAYLOAD: 489,
  /** A handler threw {@link NonRetriableError}. */
  NON_RETRIABLE: 489,
  /** A handler threw {@link RetryAfterError}. */
  RETRY_LATER: 429,
  /** A handler (or hook) threw anything else: QStash retries it. */
  HANDLER_FAILED: 500,
  /**
   * The route failed before the handler ran: the body could not be read, the `context` factory
   * threw, or a schema threw instead of reporting issues. QStash retries it.
   */
  ROUTE_FAILED: 500,
  /**
   * The request is malformed before it is a delivery: a URL or `Host` that cannot be parsed, or
   * a bad encoding. No QStash delivery looks like this, so nothing is retried for a real message.
   */
  BAD_REQUEST: 400,
  /**
   * The body is larger than `maxBodyBytes` (by `Content-Length`, or counted while reading).
   * Refused before more than the limit is read. QStash retries a 413 like any other failure.
   */
  PAYLOAD_TOO_LARGE: 413,
  /** The route was called with a method other than POST. */
  METHOD_NOT_ALLOWED: 405,
  /** Options passed to a public function are invalid (name, cron, delay, …). */
  INVALID_OPTIONS: 400,
  /** Switchboard is missing configuration it needs (URL, token, signing keys). */
  CONFIGURATION: 500,
  /** A framework body parser consumed the raw body before Switchboard could verify it. */
  BODY_ALREADY_PARSED: 500,
  /** QStash refused or failed a publish, schedule or cancel request. */
  PUBLISH_FAILED: 502,
  /**
   * The Redis behind `createSwitchboard({ redis })` failed a call (unreachable, refused, or a
   * script error), so nothing that depended on it happened: e.g. `publish` could not read
   * preferences and sent nothing. Try again once Redis answers.
   */
  REDIS_FAILED: 503,
} as const;

/** The fixed set of codes a {@link SwitchboardError} can carry. */
export type SwitchboardErrorCode = keyof typeof ERROR_STATUS;

/** One schema problem, with the path to the offending field (`"to"`, `"items.0.id"`, or `""`). */
export interface PayloadIssue {
  path: string;
  message: string;
}

/** Options accepted by the {@link SwitchboardError} constructor. */
export interface SwitchboardErrorOptions {
  /** The underlying error, kept for logs and debuggers. */
  cause?: unknown;
  /** Schema issues, for `INVALID_PAYLOAD`. */
  issues?: PayloadIssue[];
  /** What to do about it, when the message alone does not say. */
  fix?: string;
}

/**
 * The one error type Switchboard throws. `code` is one of a fixed list; `status` is the HTTP status
 * the route answers with for it.
 *
 * @example
 * ```ts
 * import { SwitchboardError } from "@switchboard/core";
 *
 * try {
 *   await sendEmail.dispatch({ to: "not-an-email", subject: "Hi" });
 * } catch (error) {
 *   if (error instanceof SwitchboardError && error.code === "INVALID_PAYLOAD") {
 *     console.log(error.issues); // [{ path: "to", message: "Invalid email address" }]
 *   }
 * }
 * ```
 */
export class SwitchboardError extends Error {
  override readonly name: string = "SwitchboardError";
  readonly code: SwitchboardErrorCode;
  readonly issues: PayloadIssue[] | undefined;
  /**
   * What to do about it, when the message alone does not say (e.g. why a signature is refused
   * and which setting to check). The route logs it and, in development, answers with it.
   */
  readonly fix: string | undefined;

  constructor(code: SwitchboardErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues;
    this.fix = options.fix;
  }

  /** The HTTP status the route answers with for this error. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /**
   * Turns anything thrown into a `SwitchboardError`, keeping the original as `cause`.
   * `fallback` is the code used for errors that are not Switchboard's own. Never throws, whatever
   * was thrown (`Object.create(null)`, a `toString` or `message` getter that throws, a revoked
   * `Proxy`), so the route always answers its JSON error shape.
   */
  static from(error: unknown, fallback: SwitchboardErrorCode = "HANDLER_FAILED"): SwitchboardError {
    if (isSwitchboardError(error)) return error;
    return new SwitchboardError(fallback, describeThrown(error), { cause: error });
  }
}

/** `instanceof` that cannot throw (a revoked `Proxy` throws on `getPrototypeOf`). */
function isSwitchboardError(value: unknown): value is SwitchboardError {
  try {
    return value instanceof SwitchboardError;
  } catch {
    return false;
  }
}
