import type { Redis } from "@upstash/redis";
import { newEpoch } from "./feed-epoch";
import type { StoredFeedItem } from "./feed-item";
import {
  type AppendOptions,
  type AppendResult,
  type FeedStore,
  OVERFLOW_GROUP,
  toFeedItem,
} from "./feed-store";
import { APPEND_SCRIPT, MARK_READ_SCRIPT, REMOVE_SCRIPT } from "./redis-scripts";

/** An `@upstash/redis` client (an optional peer dependency: install it to use Redis). */
export type FeedRedisClient = Redis;

/** Options for {@link redisFeedStore}. */
export interface RedisFeedStoreOptions {
  /** An `@upstash/redis` client, e.g. `Redis.fromEnv()`. */
  redis: FeedRedisClient;
  /** Prefix of every key. @default "sb:feed" */
  prefix?: string;
  /**
   * Also `PUBLISH` every change on `{prefix}:changes`, and let each process's shared poller
   * `SUBSCRIBE` to it (one REST `/subscribe` stream per process), so a push from another instance
   * reaches open streams at once instead of within one poll interval. Polling continues as the
   * safety net. Costs one more command per write.
   * @default false
   */
  pubsub?: boolean;
  /**
   * Called once per HTTP request the store sends to Redis, with the command name (`EVAL`, `MULTI`,
   * `MGET`, `SUBSCRIBE`, …) and how many Redis commands it carries (a `MULTI` of three counts three,
   * as Upstash bills them). For benchmarks and cost dashboards.
   */
  onCommand?: (command: string, commands: number) => void;
}

/**
 * A feed store in Upstash Redis, through the HTTP client `@upstash/redis` (serverless and edge
 * friendly). Per recipient `r` under `prefix`:
 *
 * - `{prefix}:{r}:seq`: INCR sequence, the source of item ids
 * - `{prefix}:{r}:ids`: sorted set of ids (score = id)
 * - `{prefix}:{r}:data`: hash id → item JSON
 * - `{prefix}:{r}:unread`: set of unread ids
 * - `{prefix}:{r}:groups`: hash `g:{groupKey}` (or `~overflow` for the rate-limit summary) →
 *   "id|startedAt|count"
 * - `{prefix}:{r}:rate`: the rate-limit counter (expires with its window)
 * - `{prefix}:{r}:ver`: change counter; the shared poller reads every open stream's with one MGET
 * - `{prefix}:{r}:epoch`: names this incarnation of the feed; a feed created again after it
 *   expired gets a new one, so old `Last-Event-ID`s get a reset
 *
 * @example
 * ```ts
 * import { Redis } from "@upstash/redis";
 * import { createFeed, redisFeedStore } from "@switchboard/sse";
 * import { z } from "zod";
 *
 * let commands = 0;
 * const feed = createFeed({
 *   store: redisFeedStore({ redis: Redis.fromEnv(), onCommand: (_name, n) => (commands += n) }),
 *   schema: z.object({ title: z.string() }),
 * });
 * ```
 */
export function redisFeedStore(options: RedisFeedStoreOptions): FeedStore {
  const { redis } = options;
  const prefix = options.prefix ?? "sb:feed";
  const channel = options.pubsub ? `${prefix}:changes` : "";
  const count = options.onCommand ?? (() => {});
  const keys = (r: string) => ({
    seq: `${prefix}:${r}:seq`,
    ids: `${prefix}:${r}:ids`,
    data: `${prefix}:${r}:data`,
    unread: `${prefix}:${r}:unread`,
    groups: `${prefix}:${r}:groups`,
    rate: `${prefix}:${r}:rate`,
    ver: `${prefix}:${r}:ver`,
    epoch: `${prefix}:${r}:epoch`,
  });
  const publishes = channel ? 1 : 0;

  /** Items by id with their read flags: one MULTI of HMGET + SMISMEMBER. */
  const load = async (recipient: string, ids: number[]) => {
    if (ids.length === 0) return [];
    const k = keys(recipient);
    const members = ids.map(String);
    count("MULTI", 2);
    const [raw, unread] = (await redis
      .multi()
      .hmget(k.data, ...members)
      .smismember(k.unread, members)
      .exec()) as [Record<string, unknown> | null, (0 | 1)[]];
    return ids.flatMap((id, i) => {
      const stored = parseStored(raw?.[String(id)]);
      return stored ? [toFeedItem(stored, unread[i] !== 1)] : [];
    });
  };

  const store: FeedStore = {
    async append(recipient, data, createdAt, o: AppendOptions): Promise<AppendResult> {
      const k = keys(recipient);
      count("EVAL", 1 + publishes);
      const [raw, unread, replaced, version] = (await redis.eval(
        APPEND_SCRIPT,
        [k.seq, k.ids, k.data, k.unread, k.groups, k.rate, k.ver, k.epoch],
        [
          JSON.stringify(data),
          createdAt,
          o.groupKey ?? "",
          o.groupWindowMs,
          o.rateLimit,
          o.rateWindowMs,
          o.maxItems,
          o.ttlSeconds,
          OVERFLOW_GROUP,
          channel,
          recipient,
          newEpoch(),
        ],
      )) as [unknown, number, number, number];
      return {
        item: toFeedItem(parseStored(raw)!, false),
        unread: Number(unread),
        replaced: Number(replaced) || undefined,
        version: Number(version),
      };
    },
    async list(recipient, before, limit) {
      const k = keys(recipient);
      count("MULTI", 2);
      const [ids, unread] = (await redis
        .multi()
        .zrange(k.ids, before === undefined ? "+inf" : `(${before}`, "-inf", {
          byScore: true,
          rev: true,
          offset: 0,
          count: limit + 1,
        })
        .scard(k.unread)
        .exec()) as [(string | number)[], number];
      const items = await load(recipient, ids.slice(0, limit).map(Number));
      return { items, unread: Number(unread), more: ids.length > limit };
    },
    async since(recipient, after, limit) {
      const k = keys(recipient);
      count("MULTI", 3);
      const [ids, unread, [seq, version, epoch]] = (await redis
        .multi()
        .zrange(k.ids, `(${after}`, "+inf", { byScore: true, offset: 0, count: limit + 1 })
        .scard(k.unread)
        .mget(k.seq, k.ver, k.epoch)
        .exec()) as [(string | number)[], number, [unknown, unknown, unknown]];
      const items = await load(recipient, ids.slice(0, limit).map(Number));
      return {
        items,
        more: ids.length > limit,
        unread: Number(unread),
        latestId: Number(seq ?? 0),
        version: Number(version ?? 0),
        epoch: epoch === null || epoch === undefined ? "" : String(epoch),
      };
    },
    async markRead(recipient, ids) {
      const k = keys(recipient);
      count("EVAL", 1 + publishes);
      const [unread, version] = (await redis.eval(
        MARK_READ_SCRIPT,
        [k.unread, k.ver],
        [channel, recipient, ids === "all" ? "all" : "ids", ...ids],
      )) as [number, number];
      return { unread: Number(unread), version: Number(version) };
    },
    async remove(recipient, ids) {
      const k = keys(recipient);
      count("EVAL", 1 + publishes);
      const [removed, unread, version] = (await redis.eval(
        REMOVE_SCRIPT,
        [k.data, k.ids, k.unread, k.ver],
        [channel, recipient, ...ids],
      )) as [number, number, number];
      return { removed: Number(removed), unread: Number(unread), version: Number(version) };
    },
    async unreadCount(recipient) {
      count("SCARD", 1);
      return Number(await redis.scard(keys(recipient).unread));
    },
    async versions(recipients) {
      if (recipients.length === 0) return [];
      count("MGET", 1);
      const raw = await redis.mget<unknown[]>(...recipients.map((r) => keys(r).ver));
      return recipients.map((_, i) => Number(raw[i] ?? 0));
    },
  };
  if (channel) {
    store.subscribe = (onChange) => {
      count("SUBSCRIBE", 1);
      const subscriber = redis.subscribe<unknown>(channel);
      subscriber.on("message", ({ message }) => {
        const change = parseChange(message);
        if (change) onChange(change.r, change.v);
      });
      // A failed subscription only costs latency: the poller keeps polling.
      subscriber.on("error", () => {});
      return () => void subscriber.unsubscribe().catch(() => {});
    };
  }
  return store;
}

function parseStored(raw: unknown): StoredFeedItem | undefined {
  if (raw === null || raw === undefined) return undefined;
  const value = typeof raw === "string" ? (JSON.parse(raw) as StoredFeedItem) : (raw as StoredFeedItem);
  return { ...value, groupKey: value.groupKey ?? undefined };
}

function parseChange(message: unknown): { r: string; v: number } | undefined {
  const value = typeof message === "string" ? safeJson(message) : message;
  if (value === null || typeof value !== "object") return undefined;
  const { r, v } = value as { r?: unknown; v?: unknown };
  return typeof r === "string" && typeof v === "number" ? { r, v } : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
