import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type Clock, systemClock } from "./clock";
import { FeedError } from "./feed-error";
import { type FeedHandlerOptions, feedHandler } from "./feed-handler";
import {
  checkActor,
  checkCategory,
  checkDedupeKey,
  checkIds,
  checkRecipient,
  checkStatus,
} from "./feed-input";
import type { FeedActor, FeedCounts, FeedItem, FeedPage, FeedStatus } from "./feed-item";
import type { AppendOptions, FeedFlags, FeedStore } from "./feed-store";
import { type StreamOptions, type StreamSource, streamFeed } from "./feed-stream";
import { type NodeStreamRequest, type NodeStreamResponse, streamFeedNode } from "./feed-stream-node";
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
  /** A grouped item keeps this many of its most recent distinct actors (`actorCount` counts all). @default 5 */
  maxActors?: number;
  /** A grouped item keeps this many of its most recent payloads in `grouped`. @default 10 */
  maxGrouped?: number;
  /** How long a push's `dedupeKey` is remembered. @default 86400000 (one day) */
  dedupeWindowMs?: number;
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
  /**
   * What kind of notification this is (e.g. `"comments"`), for `list({ category })` and
   * preferences: a non-empty string of at most 100 characters without control characters.
   */
  category?: string;
  /** Who did it. A group keeps its distinct actors, most recent first ("Ada, Bob and 13 others"). */
  actor?: FeedActor;
  /**
   * Makes the push safe to repeat: a second push with the same key for the same recipient within
   * the feed's `dedupeWindowMs` changes nothing (no new item, no count, no event) and returns the
   * item now standing for the first push. Pass the delivery's message id from a channel
   * subscriber (`ctx.messageId`), so a retried delivery is not counted twice. At most 200
   * characters, no control characters.
   */
  dedupeKey?: string;
}

/** Options for `feed.list`. */
export interface ListOptions {
  /** `nextCursor` of the previous page (same filters). */
  before?: number;
  /** @default 20 (at most 100) */
  limit?: number;
  /** Which items: the inbox (not archived), unread or unseen inbox items, archived ones, or all. @default "inbox" */
  status?: FeedStatus;
  /** Only items pushed with this category. */
  category?: string;
}

/** Options for `feed.handler`. */
export type HandlerOptions = FeedHandlerOptions;

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
   * Newest first; pass `nextCursor` as `before` (with the same filters) for older items. `limit`
   * defaults to 20 (max 100); `status` defaults to `"inbox"` (every item not archived).
   * @example
   * ```ts
   * const { items, nextCursor, counts } = await feed.list("u_42", { limit: 20 });
   * const unread = await feed.list("u_42", { status: "unread", category: "comments" });
   * ```
   */
  list(recipient: string, options?: ListOptions): Promise<FeedPage<TData>>;
  /**
   * The recipient's counts: `total`, `unseen` (the badge) and `unread` of the inbox, and `archived`.
   * @example
   * ```ts
   * const { unseen } = await feed.counts("u_42");
   * ```
   */
  counts(recipient: string): Promise<FeedCounts>;
  /**
   * Marks items, or all, seen (shown in the open bell): the badge counts unseen items. Open streams
   * get `state` and `counts` events.
   * @example
   * ```ts
   * await feed.markSeen("u_42", "all"); // the bell was opened
   * ```
   */
  markSeen(recipient: string, ids: readonly number[] | "all"): Promise<FeedCounts>;
  /**
   * Marks items, or all of them, read (and so seen); returns the unread count after. Open streams
   * get `state`, `counts` and `unread` events.
   * @example
   * ```ts
   * await feed.markRead("u_42", [3, 4]);
   * await feed.markRead("u_42", "all");
   * ```
   */
  markRead(recipient: string, ids: readonly number[] | "all"): Promise<number>;
  /**
   * Marks items unread again (they stay seen).
   * @example
   * ```ts
   * await feed.markUnread("u_42", [3]);
   * ```
   */
  markUnread(recipient: string, ids: readonly number[]): Promise<FeedCounts>;
  /**
   * Moves items, or all, out of the inbox: they keep their flags, and leave the inbox counts.
   * A group update un-archives its item (it is news again).
   * @example
   * ```ts
   * await feed.archive("u_42", [3, 4]);
   * ```
   */
  archive(recipient: string, ids: readonly number[] | "all"): Promise<FeedCounts>;
  /**
   * Moves archived items back to the inbox.
   * @example
   * ```ts
   * await feed.unarchive("u_42", [3]);
   * ```
   */
  unarchive(recipient: string, ids: readonly number[]): Promise<FeedCounts>;
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
   * The recipient's live feed as a Server-Sent Events `Response` (works as is in Next.js App
   * Router routes, Hono and any fetch-style server). On Node (Express, the Pages Router, `node:http`)
   * `streamNode` writes the same stream straight to the response for less memory per client.
   * @example
   * ```ts
   * export const GET = (request: Request) => feed.stream(request, { recipient: userIdFromSession(request) });
   * ```
   */
  stream(request: Request, options: StreamOptions): Response;
  /**
   * The same live stream as `stream`, written straight to a Node response (Express, the Next.js
   * Pages Router, Fastify's `reply.raw`, `node:http`): no web `Request`, `ReadableStream` or
   * `Response` per client, so an open stream costs little more than Node's own socket. Resumes
   * from the `Last-Event-ID` header (or the `lastEventId` query parameter), honours the client's
   * backpressure (`maxBufferedBytes`) and ends when the client goes away. Without a recipient it
   * answers 401 with the JSON error body `stream` gives.
   * @example
   * ```ts
   * // Express
   * app.get("/notifications/stream", (req, res) => {
   *   feed.streamNode(req, res, { recipient: req.session.userId });
   * });
   * ```
   */
  streamNode(req: NodeStreamRequest, res: NodeStreamResponse, options: StreamOptions): void;
  /**
   * The feed's one route: reads the recipient with your (possibly async) auth callback, then
   * serves `GET` the live stream, `GET ?view=page` a JSON page (`before`, `limit`, `status`,
   * `category`), and `POST` a JSON action `{ action: "seen" | "read" | "unread" | "archive" |
   * "unarchive", ids }` answering `{ counts }`. Cross-site POSTs get 403, other content types 415.
   * @example
   * ```ts
   * // app/api/notifications/route.ts
   * const route = feed.handler({ recipient: async () => (await auth())?.user?.id });
   * export { route as GET, route as POST };
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
  const maxActors = positiveInt(options.maxActors ?? 5, "maxActors");
  const maxGrouped = positiveInt(options.maxGrouped ?? 10, "maxGrouped");
  const dedupeWindowMs = positiveInt(options.dedupeWindowMs ?? 86_400_000, "dedupeWindowMs");
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
  /** What every stream of this feed reads from: one object for all of them. */
  const source: StreamSource = { store, poller, maxItems, clock };

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
      if (pushOptions.category !== undefined) checkCategory(pushOptions.category, "push");
      const actor = pushOptions.actor === undefined ? undefined : checkActor(pushOptions.actor);
      const { dedupeKey } = pushOptions;
      if (dedupeKey !== undefined) checkDedupeKey(dedupeKey);
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
        actor,
        category: pushOptions.category,
        maxActors,
        maxGrouped,
        dedupeKey,
        dedupeWindowMs,
      };
      const {
        item: stored,
        version,
        unread,
        counts,
        epoch,
        duplicate,
      } = await store.append(recipient, result.value, now(), appendOptions);
      if (duplicate) return stored as FeedItem<Data>; // nothing changed: nothing to tell streams
      // Streams in this process write the item as it is: no read back.
      sharedPoller.notify(
        recipient,
        version,
        epoch === undefined ? undefined : { version, epoch, unread, counts, item: stored },
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
      const status = listOptions.status ?? "inbox";
      checkStatus(status);
      const { category } = listOptions;
      if (category !== undefined) checkCategory(category, "list");
      const { items, unread, counts, more } = await store.list(recipient, before, limit, {
        status,
        category,
      });
      return {
        items: items as FeedItem<Data>[],
        unread,
        counts,
        nextCursor: more ? items.at(-1)?.id : undefined,
      };
    },
    async counts(recipient) {
      checkRecipient(recipient);
      return store.counts(recipient);
    },
    markSeen: (recipient, ids) => mark(recipient, ids, { seen: true }, "markSeen", true),
    async markRead(recipient, ids) {
      return (await mark(recipient, ids, { read: true }, "markRead", true)).unread;
    },
    markUnread: (recipient, ids) => mark(recipient, ids, { read: false }, "markUnread", false),
    archive: (recipient, ids) => mark(recipient, ids, { archived: true }, "archive", true),
    unarchive: (recipient, ids) => mark(recipient, ids, { archived: false }, "unarchive", false),
    async unreadCount(recipient) {
      checkRecipient(recipient);
      return store.unreadCount(recipient);
    },
    async remove(recipient, ids) {
      checkRecipient(recipient);
      checkIds(ids, "remove", false);
      if (ids.length === 0) return 0;
      const { removed, version, unread, counts, epoch } = await store.remove(recipient, ids);
      // No `state`: a stream cannot say which items went, so it tells the client to refresh.
      sharedPoller.notify(
        recipient,
        version,
        epoch === undefined ? undefined : { version, epoch, unread, counts },
      );
      return removed;
    },
    stream(request, streamOptions) {
      if (streamOptions?.recipient) checkRecipient(streamOptions.recipient);
      return streamFeed(source, request, streamOptions ?? { recipient: undefined });
    },
    streamNode(req, res, streamOptions) {
      if (streamOptions?.recipient) checkRecipient(streamOptions.recipient);
      streamFeedNode(source, req, res, streamOptions ?? { recipient: undefined });
    },
    handler(handlerOptions) {
      return feedHandler(feed as unknown as Feed<unknown>, handlerOptions, mark);
    },
  };

  /** One flag write: validated, stored atomically, and told to this process's streams. */
  async function mark(
    recipient: string,
    ids: readonly number[] | "all",
    flags: FeedFlags,
    where: string,
    all: boolean,
  ): Promise<FeedCounts> {
    checkRecipient(recipient);
    checkIds(ids, where, all);
    if (ids !== "all" && ids.length === 0) return store.counts(recipient); // nothing to change
    const written = await store.mark(recipient, ids, flags);
    const { version, unread, counts, epoch, state } = written;
    sharedPoller.notify(
      recipient,
      version,
      epoch === undefined ? undefined : { version, epoch, unread, counts, state },
    );
    return { ...counts };
  }
  return feed;
}

function positiveInt(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new FeedError(`createFeed: ${option} must be a whole number >= 1, got ${value}.`);
  return value;
}
