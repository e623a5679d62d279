import type { DurationString } from "@switchboard/wire";
import type { DeliveryFailure, SubscriberContext } from "../context";
import type { JobDefaults } from "../sending/job";

/**
 * How a digest subscriber groups events: every event with the same `key` inside one `window` is
 * delivered together, once, when the window closes (or at once when `max` events are in it).
 *
 * @example
 * ```ts
 * const digest: DigestOptions<{ userId: string }> = { key: (e) => e.userId, window: "10m", max: 50 };
 * ```
 */
export interface DigestOptions<TEvent> {
  /** The group an event belongs to, e.g. the recipient: a non-empty string of at most 200 characters. */
  key: (event: TEvent) => string;
  /** How long a key's bucket collects events after its first: seconds, or `"30s"`, `"10m"`, `"1h"`, `"1d"`. */
  window: DurationString | number;
  /**
   * Deliver as soon as a bucket holds this many events, without waiting for the window to close.
   * A whole number from 1 to 10 000.
   * @default 1000
   */
  max?: number;
  /**
   * Prefix of the state's keys in Redis (and in process memory).
   * @default "sb:digest"
   */
  prefix?: string;
}

/**
 * How a debounce subscriber groups events: a key's events are delivered together once `wait` has
 * passed with no new event for the key, but no later than `maxWait` after the first.
 *
 * @example
 * ```ts
 * const debounce: DebounceOptions<{ userId: string }> = { key: (e) => e.userId, wait: "30s", maxWait: "5m" };
 * ```
 */
export interface DebounceOptions<TEvent> {
  /** The group an event belongs to, e.g. the recipient: a non-empty string of at most 200 characters. */
  key: (event: TEvent) => string;
  /** Quiet time after the last event before delivering: seconds, or a duration like `"30s"`. */
  wait: DurationString | number;
  /**
   * Deliver no later than this after a bucket's first event, however busy the key stays. At least `wait`.
   * @default no bound: a key that never goes quiet for `wait` is delivered when `max` is reached
   */
  maxWait?: DurationString | number;
  /**
   * Deliver as soon as a bucket holds this many events. A whole number from 1 to 10 000.
   * @default 1000
   */
  max?: number;
  /**
   * Prefix of the state's keys in Redis (and in process memory).
   * @default "sb:digest"
   */
  prefix?: string;
}

/**
 * What a digest or debounce handler gets besides its events: the subscriber context, plus the key
 * and how many events this delivery carries.
 *
 * @example
 * ```ts
 * handler: async (events, ctx: BatchContext) => {
 *   console.log(`${ctx.count} events for ${ctx.key} since ${ctx.firstEventAt.toISOString()}`);
 * }
 * ```
 */
export interface BatchContext<TSubscriber extends string = string> extends SubscriberContext<TSubscriber> {
  /** `"digest"` or `"debounce"`: how this subscriber groups events. */
  batch: "digest" | "debounce";
  /** The key every event of this delivery shares (what `key(event)` returned). */
  key: string;
  /** How many events this delivery carries (`events.length`). */
  count: number;
  /** When the bucket's first event arrived at the route. */
  firstEventAt: Date;
  /** When the bucket's last event arrived at the route. */
  lastEventAt: Date;
}

/**
 * A digest or debounce subscriber's handler: every event collected for one key, oldest first.
 *
 * @example
 * ```ts
 * const mail: BatchHandler<{ userId: string; text: string }, object> = async (events, ctx) =>
 *   sendDigestMail(ctx.key, events.map((e) => e.text));
 * ```
 */
export type BatchHandler<TEvent, TContext extends object> = (
  events: TEvent[],
  ctx: BatchContext & TContext,
) => unknown;

/**
 * What a digest or debounce subscriber's `onSuccess` receives.
 *
 * @example
 * ```ts
 * onSuccess: ({ events, key }) => console.log(`mailed ${events.length} comments to ${key}`),
 * ```
 */
export interface BatchSuccessArgs<TEvent, TResult, TContext> {
  /** The events the handler was delivered, oldest first. */
  events: TEvent[];
  /** The key they share. */
  key: string;
  /** The handler's return value, as JSON round-tripped through QStash. */
  result: TResult;
  /** The id of the flush message that succeeded. */
  messageId: string;
  ctx: TContext;
}

/**
 * What a digest or debounce subscriber's `onFailure` receives, once its flush failed for good.
 *
 * @example
 * ```ts
 * onFailure: ({ events, key, error }) => console.warn(`${events.length} for ${key}: ${error.message}`),
 * ```
 */
export interface BatchFailureArgs<TEvent, TContext> {
  /** The events the handler could not deliver, oldest first. */
  events: TEvent[];
  /** The key they share. */
  key: string;
  error: DeliveryFailure;
  /** The id of the flush message that failed (its DLQ entry retries the whole bucket). */
  messageId: string;
  ctx: TContext;
}

/** Options and hooks every digest and debounce subscriber takes. */
interface BatchSubscriberBase<TEvent, TContext extends object, TResult> extends JobDefaults {
  /** Runs once per bucket with every event collected for its key, oldest first. */
  handler: BatchHandler<TEvent, TContext>;
  /** Runs once the handler succeeded for a bucket (a QStash callback of the flush message). */
  onSuccess?: (args: BatchSuccessArgs<TEvent, TResult, BatchContext & TContext>) => unknown;
  /** Runs once a bucket's delivery failed for good (retries exhausted or non-retriable). */
  onFailure?: (args: BatchFailureArgs<TEvent, BatchContext & TContext>) => unknown;
}

/**
 * A subscriber that delivers a digest: each key's events of one window, together.
 *
 * @example
 * ```ts
 * email: {
 *   digest: { key: (event) => event.userId, window: "10m", max: 50 },
 *   handler: async (events, ctx) => sendDigestMail(ctx.key, events),
 * }
 * ```
 */
export interface DigestSubscriber<TEvent, TContext extends object, TResult = unknown>
  extends BatchSubscriberBase<TEvent, TContext, TResult> {
  digest: DigestOptions<TEvent>;
}

/**
 * A subscriber that delivers once a key goes quiet: each key's events, together, `wait` after the
 * last of them (and no later than `maxWait` after the first).
 *
 * @example
 * ```ts
 * sms: {
 *   debounce: { key: (event) => event.userId, wait: "30s", maxWait: "5m" },
 *   handler: async (events) => sendSms(events[0].userId, `${events.length} new comments`),
 * }
 * ```
 */
export interface DebounceSubscriber<TEvent, TContext extends object, TResult = unknown>
  extends BatchSubscriberBase<TEvent, TContext, TResult> {
  debounce: DebounceOptions<TEvent>;
}
