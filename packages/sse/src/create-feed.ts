import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type Clock, systemClock } from "./clock";
import { FeedError } from "./feed-error";
import type { FeedItem, FeedPage } from "./feed-item";
import type { AppendOptions, FeedStore } from "./feed-store";
import { type StreamOptions, streamFeed } from "./feed-stream";
import { memoryFeedStore } from "./memory-feed-store";
import { type FeedRedisClient, redisFeedStore } from "./redis-feed-store";
import { SharedPoller } from "./shared-poller";

/** Options for {@link createFeed}. */
export interface FeedOptions<TSchema extends StandardSchemaV1> {
  /** Any Standard Schema (zod documented) for the item payload; the item type is inferred from it. */
  schema: TSchema;
  /** An `@upstash/redis` client. Without it (and without `store`) the feed lives in memory. */
  redis?: FeedRedisClient;
  /** A store to use instead: `memoryFeedStore()` or `redisFeedStore({ redis, onCommand })`. */
  store?: FeedStore;
  /** Key prefix in Redis (with `redis`). @default "sb:feed" */
  prefix?: string;
  /**
   * With `redis`: wake open streams through Redis pub/sub (`PUBLISH` inside each write's script,
   * one REST `/subscribe` stream per process), so pushes from other instances arrive at once
   * rather than within `pollIntervalMs`, carrying the item so streams write it without reading
   * Redis. `false` turns it off: other instances' pushes arrive by polling. See `redisFeedStore`.
   * @default true
   */
  pubsub?: boolean;
  /** Items kept per recipient; older ones are trimmed. @default 500 */
  maxItems?: number;
  /**
   * Expire a recipient's feed this many seconds after its last push (0 = never); reads, `markRead`
   * and `remove` do not extend it. @default 0
   */
  ttlSeconds?: number;
  /** Pushes with the same `groupKey` within this window collapse into one item. @default 600000 (10 minutes) */
  groupWindowMs?: number;
  /** Per-recipient limit: at most `max` pushes per `windowMs`; the rest collapse into one summary item. @default off */
  rateLimit?: { max: number; windowMs: number };
  /** How often the shared poller checks every open stream's recipient (one command per tick). @default 1000 */
  pollIntervalMs?: number;
  /**
   * The time and timers the feed runs on: `createdAt`, group windows, the shared poller's
   * interval, each stream's heartbeat, `maxDurationMs` deadline and slow-client cut-off, and the
   * TTL and rate windows of the in-memory store it creates when given no `redis` or `store`.
   * Redis expires keys (TTL, the rate counter) by its own clock. The poller is shared per store:
   * the first feed created on a store sets its clock, as with `pollIntervalMs`. For tests: a
   * clock that moves only when the test says so, or `vi.useFakeTimers()` with the default (it
   * reads the global timers at each call).
   * @default systemClock (`Date.now` and the global timers)
   */
  clock?: Clock;
  /**
   * Shorthand for `clock: { ...clock, now }`: replaces only the time (unix ms), not the timers.
   * @default clock.now
   */
  now?: () => number;
}

/** Options for `feed.push`. */
export interface PushOptions {
  /** Collapse with earlier pushes of the same key inside the group window (e.g. `"comments:task-234"`). */
  groupKey?: string;
}

/** Options for `feed.handler`: the stream options, with the recipient read from each request. */
export interface HandlerOptions extends Omit<StreamOptions, "recipient"> {
  /**
   * Reads the signed-in user's id from the request with your own auth (cookie session, token).
   * `null` or `undefined` answers 401. Never read it from the query string.
   */
  recipient: (request: Request) => string | null | undefined | Promise<string | null | undefined>;
}

/** A per-recipient notification feed. */
export interface Feed<TData, TInput = TData> {
  /**
   * Validates and stores an item; returns it with its new id. Same-`groupKey` pushes inside the
   * window replace the group's item with a new one (new id, `count` + 1).
   * @example
   * ```ts
   * await feed.push("u_42", { title: "New comment on Task #234" }, { groupKey: "comments:234" });
   * ```
   */
  push(recipient: string, item: TInput, options?: PushOptions): Promise<FeedItem<TData>>;
  /**
   * Newest first; pass `nextCursor` as `before` for older items. `limit` defaults to 20 (max 100).
   * @example
   * ```ts
   * const { items, nextCursor, unread } = await feed.list("u_42", { limit: 20 });
   * ```
   */
  list(recipient: string, options?: { before?: number; limit?: number }): Promise<FeedPage<TData>>;
  /**
   * Marks items, or all of them, read; returns the unread count after. Open streams get an
   * `unread` event.
   * @example
   * ```ts
   * await feed.markRead("u_42", [3, 4]);
   * await feed.markRead("u_42", "all");
   * ```
   */
  markRead(recipient: string, ids: readonly number[] | "all"): Promise<number>;
  /**
   * The recipient's unread count.
   * @example
   * ```ts
   * const badge = await feed.unreadCount("u_42");
   * ```
   */
  unreadCount(recipient: string): Promise<number>;
  /**
   * Deletes items; returns how many existed.
   * @example
   * ```ts
   * await feed.remove("u_42", [3]);
   * ```
   */
  remove(recipient: string, ids: readonly number[]): Promise<number>;
  /**
   * The recipient's live feed as a Server-Sent Events `Response` (works as is in Next.js and Hono;
   * in Express through `toNodeHandler` from `@switchboard/core/node`).
   * @example
   * ```ts
   * export const GET = (request: Request) => feed.stream(request, { recipient: userIdFromSession(request) });
   * ```
   */
  stream(request: Request, options: StreamOptions): Response;
  /**
   * A fetch-style route handler that reads the recipient with your (possibly async) auth callback,
   * then streams: `feed.stream` for auth that needs a promise.
   * @example
   * ```ts
   * export const GET = feed.handler({ recipient: async () => (await auth())?.user?.id });
   * ```
   */
  handler(options: HandlerOptions): (request: Request) => Promise<Response>;
  readonly schema: StandardSchemaV1<TInput, TData>;
  /** The store in use, e.g. to count its commands. */
  readonly store: FeedStore;
  /** Open streams in this process served by this feed's store (all feeds sharing the store). */
  readonly openStreams: number;
}

const pollers = new WeakMap<FeedStore, SharedPoller>();

/**
 * Creates a notification feed: Redis when given a client, memory otherwise.
 *
 * @example
 * ```ts
 * import { Redis } from "@upstash/redis";
 * import { createFeed } from "@switchboard/sse";
 * import { z } from "zod";
 *
 * export const feed = createFeed({
 *   redis: Redis.fromEnv(),
 *   schema: z.object({ title: z.string(), body: z.string().optional(), href: z.string().optional() }),
 *   maxItems: 500,
 * });
 * ```
 */
export function createFeed<TSchema extends StandardSchemaV1>(
  options: FeedOptions<TSchema>,
): Feed<StandardSchemaV1.InferOutput<TSchema>, StandardSchemaV1.InferInput<TSchema>> {
  type Data = StandardSchemaV1.InferOutput<TSchema>;
  if (options === null || typeof options !== "object")
    throw new FeedError("createFeed: pass { schema, redis? }.");
  const { schema } = options;
  if (typeof (schema as { "~standard"?: { validate?: unknown } })?.["~standard"]?.validate !== "function") {
    throw new FeedError(
      "createFeed: `schema` must be a Standard Schema such as a zod object (z.object({ title: z.string() })).",
    );
  }
  const maxItems = positiveInt(options.maxItems ?? 500, "maxItems");
  const groupWindowMs = positiveInt(options.groupWindowMs ?? 600_000, "groupWindowMs");
  const pollIntervalMs = positiveInt(options.pollIntervalMs ?? 1000, "pollIntervalMs");
  const ttlSeconds = options.ttlSeconds ?? 0;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0)
    throw new FeedError("createFeed: ttlSeconds must be whole seconds >= 0.");
  const rateLimit = options.rateLimit;
  if (rateLimit !== undefined) {
    positiveInt(rateLimit.max, "rateLimit.max");
    positiveInt(rateLimit.windowMs, "rateLimit.windowMs");
  }
  const baseClock = options.clock ?? systemClock;
  const clock: Clock = options.now ? { ...baseClock, now: options.now } : baseClock;
  const now = () => clock.now();
  const store: FeedStore =
    options.store ??
    (options.redis
      ? redisFeedStore({
          redis: options.redis,
          ...(options.prefix ? { prefix: options.prefix } : {}),
          pubsub: options.pubsub ?? true,
        })
      : memoryFeedStore({ clock }));
  let poller = pollers.get(store);
  if (!poller) {
    poller = new SharedPoller(store, pollIntervalMs, clock);
    pollers.set(store, poller);
  }
  const sharedPoller = poller;

  const feed: Feed<Data, StandardSchemaV1.InferInput<TSchema>> = {
    schema: schema as StandardSchemaV1<StandardSchemaV1.InferInput<TSchema>, Data>,
    store,
    get openStreams() {
      return sharedPoller.size;
    },
    async push(recipient, item, pushOptions = {}) {
      checkRecipient(recipient);
      const groupKey = pushOptions.groupKey;
      if (
        groupKey !== undefined &&
        (typeof groupKey !== "string" || groupKey === "" || groupKey.length > 200)
      ) {
        throw new FeedError("push: groupKey must be a non-empty string of at most 200 characters.");
      }
      const result = await schema["~standard"].validate(item);
      if (result.issues) {
        const issues = result.issues.map((issue) => ({
          path: (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
          message: issue.message,
        }));
        throw new FeedError(
          `push: the item is invalid: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`,
          issues,
        );
      }
      const appendOptions: AppendOptions = {
        maxItems,
        ttlSeconds,
        groupKey,
        groupWindowMs,
        rateLimit: rateLimit?.max ?? 0,
        rateWindowMs: rateLimit?.windowMs ?? 0,
      };
      const {
        item: stored,
        version,
        unread,
        epoch,
      } = await store.append(recipient, result.value, now(), appendOptions);
      // Streams in this process write the item as it is: no read back.
      sharedPoller.notify(
        recipient,
        version,
        epoch === undefined ? undefined : { version, epoch, unread, item: stored },
      );
      return stored as FeedItem<Data>;
    },
    async list(recipient, listOptions = {}) {
      checkRecipient(recipient);
      const limit = listOptions.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw new FeedError("list: limit must be a whole number from 1 to 100.");
      const before = listOptions.before;
      if (before !== undefined && (!Number.isSafeInteger(before) || before < 0))
        throw new FeedError("list: before must be an item id (a whole number).");
      const { items, unread, more } = await store.list(recipient, before, limit);
      return { items: items as FeedItem<Data>[], unread, nextCursor: more ? items.at(-1)?.id : undefined };
    },
    async markRead(recipient, ids) {
      checkRecipient(recipient);
      if (ids !== "all") checkIds(ids, "markRead");
      const { unread, version, epoch } = await store.markRead(recipient, ids);
      sharedPoller.notify(recipient, version, epoch === undefined ? undefined : { version, epoch, unread });
      return unread;
    },
    async unreadCount(recipient) {
      checkRecipient(recipient);
      return store.unreadCount(recipient);
    },
    async remove(recipient, ids) {
      checkRecipient(recipient);
      checkIds(ids, "remove");
      if (ids.length === 0) return 0;
      const { removed, version, unread, epoch } = await store.remove(recipient, ids);
      sharedPoller.notify(recipient, version, epoch === undefined ? undefined : { version, epoch, unread });
      return removed;
    },
    stream(request, streamOptions) {
      if (streamOptions?.recipient) checkRecipient(streamOptions.recipient);
      return streamFeed(
        { store, poller: sharedPoller, maxItems, clock },
        request,
        streamOptions ?? { recipient: undefined },
      );
    },
    handler(handlerOptions) {
      if (typeof handlerOptions?.recipient !== "function") {
        throw new FeedError(
          "feed.handler: pass { recipient: (request) => userId } that reads the user from your own auth.",
        );
      }
      return async (request) =>
        feed.stream(request, { ...handlerOptions, recipient: await handlerOptions.recipient(request) });
    },
  };
  return feed;
}

function checkRecipient(recipient: unknown): asserts recipient is string {
  if (typeof recipient !== "string" || recipient === "") {
    throw new FeedError("The recipient must be a non-empty string, e.g. the signed-in user's id.");
  }
  if (recipient.length > 200)
    throw new FeedError("The recipient id is longer than 200 characters; use a user id, not a payload.");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(recipient))
    throw new FeedError("The recipient id contains control characters.");
}

function checkIds(ids: unknown, where: string): void {
  if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new FeedError(`${where}: pass an array of item ids (whole numbers), or "all".`);
  }
  if (ids.length > 1000) throw new FeedError(`${where}: pass at most 1000 ids per call.`);
}

function positiveInt(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new FeedError(`createFeed: ${option} must be a whole number >= 1, got ${value}.`);
  return value;
}
