import { compileRetryDelay, DEFAULT_RETRIES, HEADERS, toSeconds as wireSeconds } from "@switchboard/wire";
import type { PublishRequest } from "@upstash/qstash";
import { readOption } from "../errors/invalid-options";
import { SwitchboardError } from "../errors/switchboard-error";

/** Per-key flow control: at most `parallelism` in flight and/or `rate` per `period`. */
export interface FlowControlOptions {
  /** Messages with the same key share the limits (e.g. a tenant id or an API name). */
  key: string;
  /** Maximum deliveries in flight at once for this key. */
  parallelism?: number;
  /** Maximum deliveries started per `period`. */
  rate?: number;
  /** The window for `rate`: seconds or a duration like `"1m"`. @default "1s" */
  period?: number | string;
}

/**
 * Options for `dispatch`, `dispatchMany`, `publish` and schedules. Each maps one to one onto a
 * QStash publish option; defaults can be set on the job or channel.
 */
export interface DispatchOptions {
  /** Wait before the first delivery: seconds, or `"30s"`, `"5m"`, `"2h"`, `"1d"`, `"1h30m"`. */
  delay?: number | string;
  /** Deliver no sooner than this time (a `Date` or unix seconds). Wins over `delay`. */
  notBefore?: Date | number;
  /**
   * How many times QStash retries a failed delivery. Deliveries = 1 + retries, so `0` means one
   * attempt and no retry. Always sent (`Upstash-Retries`): without it QStash would use the plan's
   * maximum, and `ctx.maxRetries` could not be known.
   * @default 3
   */
  retries?: number;
  /** QStash retry-delay expression in milliseconds over `retried`, e.g. `"1000 * pow(2, retried)"`. */
  retryDelay?: string;
  /** Messages with the same id within QStash's deduplication window are published once. */
  deduplicationId?: string;
  /** Deduplicate on a hash of destination, body and headers instead of an explicit id. */
  contentBasedDeduplication?: boolean;
  /** How long QStash waits for the route to answer: seconds or a duration like `"30s"`. */
  timeout?: number | string;
  /** Per-key parallelism and rate limits. */
  flowControl?: FlowControlOptions;
  /** Publish into a named QStash queue (ordered, with the queue's parallelism). */
  queue?: string;
  /** A label shown in QStash's logs and usable as a DLQ filter. */
  label?: string;
  /** Extra headers delivered to the handler (forwarded by QStash). */
  headers?: Record<string, string>;
}

/** Options for `dispatchMany`: the dispatch options every message gets, plus how to send them. */
export interface DispatchManyOptions extends DispatchOptions {
  /**
   * Batch requests in flight at once. With 1, batches go one after the other and QStash accepts
   * the messages in the order given. Above 1, whole batches may be accepted out of order (the
   * messages inside one batch keep theirs); the returned results stay in the order of the payloads
   * either way. Use it for large fan-outs where order does not matter.
   * @default 1
   */
  concurrency?: number;
}

/** What `dispatch` resolves to. */
export interface DispatchResult {
  /** QStash's id for the message; pass it to `sb.cancel`. */
  messageId: string;
  /** `true` when QStash recognised the message as a duplicate and did not publish it again. */
  deduplicated: boolean;
}

const DISPATCH_KEYS = new Set<keyof DispatchOptions>([
  "delay",
  "notBefore",
  "retries",
  "retryDelay",
  "deduplicationId",
  "contentBasedDeduplication",
  "timeout",
  "flowControl",
  "queue",
  "label",
  "headers",
]);

/** The parts of a QStash publish request that come from {@link DispatchOptions}. */
export interface QStashPublishFields {
  /** Seconds; the SDK sends it as `Upstash-Delay: <n>s`. */
  delay?: number;
  notBefore?: number;
  retries: number;
  retryDelay?: string;
  deduplicationId?: string;
  contentBasedDeduplication?: boolean;
  /** Seconds; the SDK sends it as `Upstash-Timeout: <n>s`. */
  timeout?: number;
  flowControl?: PublishRequest["flowControl"];
  label?: string;
  headers: Record<string, string>;
}

/**
 * Validates options and turns them into QStash publish fields. Every mistake throws
 * `INVALID_OPTIONS` naming the option and the fix, before anything is sent.
 */
export function toPublishFields(options: DispatchOptions, owner: string): QStashPublishFields {
  if (options === null || typeof options !== "object") {
    throw invalid(owner, "options must be an object");
  }
  for (const key of Object.keys(options)) {
    if (!DISPATCH_KEYS.has(key as keyof DispatchOptions)) {
      throw invalid(owner, `unknown option "${key}". Known options: ${[...DISPATCH_KEYS].join(", ")}`);
    }
  }
  const retries = options.retries ?? DEFAULT_RETRIES;
  if (!Number.isInteger(retries) || retries < 0) {
    throw invalid(owner, `retries must be a whole number >= 0 (deliveries = 1 + retries), got ${retries}`);
  }
  const fields: QStashPublishFields = { retries, headers: toHeaders(options.headers, owner) };
  // The retry budget travels with the message, so `ctx.maxRetries` and `ctx.isLastAttempt` are exact.
  // The default is left out: the route reads a missing value as DEFAULT_RETRIES, and each of the
  // messages of a large dispatchMany is ~50 bytes smaller for it.
  if (retries !== DEFAULT_RETRIES) fields.headers[HEADERS.maxRetries] = String(retries);

  if (options.delay !== undefined) fields.delay = toSeconds(options.delay, `${owner}: delay`);
  if (options.notBefore !== undefined) fields.notBefore = toUnixSeconds(options.notBefore, owner);
  if (options.retryDelay !== undefined) {
    fields.retryDelay = nonEmpty(options.retryDelay, "retryDelay", owner);
    // Refused here, not by QStash at publish or, worse, when a retry is due.
    readOption(() => compileRetryDelay(fields.retryDelay!), `${owner}: retryDelay`);
  }
  if (options.deduplicationId !== undefined) {
    fields.deduplicationId = nonEmpty(options.deduplicationId, "deduplicationId", owner);
  }
  if (options.contentBasedDeduplication !== undefined) {
    if (typeof options.contentBasedDeduplication !== "boolean") {
      throw invalid(owner, "contentBasedDeduplication must be true or false");
    }
    fields.contentBasedDeduplication = options.contentBasedDeduplication;
  }
  if (options.timeout !== undefined) {
    fields.timeout = toSeconds(options.timeout, `${owner}: timeout`);
  }
  if (options.flowControl !== undefined) fields.flowControl = toFlowControl(options.flowControl, owner);
  if (options.label !== undefined) fields.label = nonEmpty(options.label, "label", owner);
  if (options.queue !== undefined) nonEmpty(options.queue, "queue", owner);
  return fields;
}

/** Validates `dispatchMany`'s `concurrency`: a whole number >= 1, 1 when unset. */
export function toConcurrency(value: unknown, owner: string): number {
  if (value === undefined) return 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw invalid(owner, `concurrency must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

function toFlowControl(
  flow: FlowControlOptions,
  owner: string,
): NonNullable<QStashPublishFields["flowControl"]> {
  if (flow === null || typeof flow !== "object")
    throw invalid(owner, "flowControl must be an object with a key");
  const key = nonEmpty(flow.key, "flowControl.key", owner);
  if (flow.parallelism === undefined && flow.rate === undefined) {
    throw invalid(owner, "flowControl needs `parallelism`, `rate`, or both");
  }
  const result: { key: string; parallelism?: number; rate?: number; period?: number } = { key };
  if (flow.parallelism !== undefined)
    result.parallelism = positiveInt(flow.parallelism, "flowControl.parallelism", owner);
  if (flow.rate !== undefined) result.rate = positiveInt(flow.rate, "flowControl.rate", owner);
  if (flow.period !== undefined) {
    result.period = toSeconds(flow.period, `${owner}: flowControl.period`);
  }
  // Checked above: at least one of parallelism and rate is set, as the SDK's union requires.
  return result as NonNullable<QStashPublishFields["flowControl"]>;
}

function toHeaders(headers: Record<string, string> | undefined, owner: string): Record<string, string> {
  if (headers === undefined) return {};
  if (headers === null || typeof headers !== "object")
    throw invalid(owner, "headers must be an object of strings");
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") throw invalid(owner, `header "${name}" must be a string`);
    if (/^upstash-/i.test(name)) {
      throw invalid(
        owner,
        `header "${name}" is reserved for QStash; use the matching dispatch option instead`,
      );
    }
    out[name] = value;
  }
  return out;
}

function toUnixSeconds(value: Date | number, owner: string): number {
  const seconds = value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw invalid(owner, "notBefore must be a valid Date or whole unix seconds (not milliseconds)");
  }
  if (seconds > 100_000_000_000) {
    throw invalid(owner, `notBefore looks like milliseconds (${seconds}); pass unix seconds or a Date`);
  }
  return seconds;
}

function nonEmpty(value: unknown, option: string, owner: string): string {
  if (typeof value !== "string" || value.trim() === "")
    throw invalid(owner, `${option} must be a non-empty string`);
  return value;
}

function positiveInt(value: unknown, option: string, owner: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw invalid(owner, `${option} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

function toSeconds(value: number | string, option: string): number {
  return readOption(() => wireSeconds(value, option));
}

function invalid(owner: string, message: string): SwitchboardError {
  return new SwitchboardError("INVALID_OPTIONS", `${owner}: ${message}.`);
}
