import type { Redis } from "@upstash/redis";
import { newEpoch } from "./feed-epoch";
import type { FeedItem, StoredFeedItem } from "./feed-item";
import {
  type AppendOptions,
  type AppendResult,
  type FeedChange,
  type FeedStore,
  OVERFLOW_GROUP,
  type SinceRequest,
  type SinceResult,
  toFeedItem,
} from "./feed-store";
import { APPEND_SCRIPT, MARK_READ_SCRIPT, REMOVE_SCRIPT, SINCE_SCRIPT } from "./redis-scripts";

/** An `@upstash/redis` client (an optional peer dependency: install it to use Redis). */
export type FeedRedisClient = Redis;

/** Options for {@link redisFeedStore}. */
export interface RedisFeedStoreOptions {
  /** An `@upstash/redis` client, e.g. `Redis.fromEnv()`. */
  redis: FeedRedisClient;
  /** Prefix of every key. @default "sb:feed" */
  prefix?: string;
  /**
   * `PUBLISH` every change on `{prefix}:changes`, and let each process's shared poller
   * `SUBSCRIBE` to it (one REST `/subscribe` stream per process), so a push from another instance
   * reaches open streams at once instead of within one poll interval. The message carries the
   * pushed item (up to `maxPublishBytes`), so a stream writes it without reading Redis. Polling
   * continues as the safety net. Costs one more command per write (the `PUBLISH` inside the
   * write's script). `false` turns it off: streams learn of other instances' writes by polling.
   * A client without `subscribe` (`@upstash/redis` before it had one) still publishes and polls.
   * @default true
   */
  pubsub?: boolean;
  /**
   * The largest item (its stored JSON, in bytes) a change message carries; a larger one is
   * published as its id alone and streams read it from Redis. Keeps messages small. 0 = never.
   * @default 8192
   */
  maxPublishBytes?: number;
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
  const channel = (options.pubsub ?? true) ? `${prefix}:changes` : "";
  const maxPublishBytes = options.maxPublishBytes ?? 8192;
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

  /** `since` for every request in one EVAL: one round trip, one atomic snapshot. */
  const sinceMany = async (requests: readonly SinceRequest[]): Promise<SinceResult[]> => {
    if (requests.length === 0) return [];
    count("EVAL", 1);
    const raw = (await redis.eval(
      SINCE_SCRIPT,
      requests.flatMap(({ recipient }) => {
        const k = keys(recipient);
        return [k.ids, k.data, k.unread, k.seq, k.ver, k.epoch];
      }),
      requests.flatMap(({ after, limit }) => [after, limit]),
    )) as [unknown[] | null, (0 | 1)[] | null, number, number, unknown, unknown, unknown][];
    return requests.map((_, i) => {
      const [items, flags, more, unread, seq, version, epoch] = raw[i]!;
      return {
        items: (items ?? []).flatMap((value, j) => {
          const stored = parseStored(value);
          return stored ? [toFeedItem(stored, flags?.[j] !== 1)] : [];
        }),
        more: Number(more) === 1,
        unread: Number(unread),
        latestId: Number(seq ?? 0),
        version: Number(version ?? 0),
        epoch: parseEpoch(epoch),
      };
    });
  };

  const store: FeedStore = {
    async append(recipient, data, createdAt, o: AppendOptions): Promise<AppendResult> {
      const k = keys(recipient);
      count("EVAL", 1 + publishes);
      const [raw, unread, replaced, version, epoch] = (await redis.eval(
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
          maxPublishBytes,
        ],
      )) as [unknown, number, number, number, unknown];
      return {
        item: toFeedItem(parseStored(raw)!, false),
        unread: Number(unread),
        replaced: Number(replaced) || undefined,
        version: Number(version),
        epoch: parseEpoch(epoch),
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
      const [result] = await sinceMany([{ recipient, after, limit }]);
      return result!;
    },
    sinceMany: (requests) => sinceMany(requests),
    async markRead(recipient, ids) {
      const k = keys(recipient);
      count("EVAL", 1 + publishes);
      const [unread, version, epoch] = (await redis.eval(
        MARK_READ_SCRIPT,
        [k.unread, k.ver, k.epoch],
        [channel, recipient, ids === "all" ? "all" : "ids", ...ids],
      )) as [number, number, unknown];
      return { unread: Number(unread), version: Number(version), epoch: parseEpoch(epoch) };
    },
    async remove(recipient, ids) {
      const k = keys(recipient);
      count("EVAL", 1 + publishes);
      const [removed, unread, version, epoch] = (await redis.eval(
        REMOVE_SCRIPT,
        [k.data, k.ids, k.unread, k.ver, k.epoch],
        [channel, recipient, ...ids],
      )) as [number, number, number, unknown];
      return {
        removed: Number(removed),
        unread: Number(unread),
        version: Number(version),
        epoch: parseEpoch(epoch),
      };
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
  // A client without `subscribe` (an older @upstash/redis) still publishes: other processes with
  // a newer one wake at once, this one polls.
  if (channel && typeof (redis as Partial<Redis>).subscribe === "function") {
    store.subscribe = (onChange) => {
      count("SUBSCRIBE", 1);
      const subscriber = redis.subscribe<unknown>(channel);
      subscriber.on("message", ({ message }) => {
        const parsed = parseChange(message);
        if (parsed) onChange(parsed.recipient, parsed.version, parsed.change);
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

/** A script's "e" .. epoch (the prefix keeps a JSON-decoding client from reading digits as a number). */
function parseEpoch(raw: unknown): string {
  return typeof raw === "string" && raw.startsWith("e") ? raw.slice(1) : "";
}

/**
 * A change message: `{r, v}` from an older writer (streams read), or `{r, v, e, u}` with the item
 * (`i`) or its id (`id`). Anything malformed is dropped: a missed message only costs latency.
 */
function parseChange(
  message: unknown,
): { recipient: string; version: number; change: FeedChange | undefined } | undefined {
  const value = typeof message === "string" ? safeJson(message) : message;
  if (value === null || typeof value !== "object") return undefined;
  const { r, v, e, u, i, id } = value as Record<string, unknown>;
  if (typeof r !== "string" || !Number.isSafeInteger(v)) return undefined;
  const version = v as number;
  const bare = { recipient: r, version, change: undefined };
  if (typeof e !== "string" || !Number.isSafeInteger(u)) return bare;
  const change: FeedChange = { version, epoch: e, unread: u as number };
  if (i !== undefined) {
    const item = parseItem(i);
    if (!item) return bare;
    change.item = item;
  } else if (id !== undefined) {
    if (!Number.isSafeInteger(id)) return bare;
    change.itemId = id as number;
  }
  return { recipient: r, version, change };
}

/** The item in a change message: a fresh push, so unread. */
function parseItem(raw: unknown): FeedItem | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const stored = raw as Partial<StoredFeedItem>;
  if (!Number.isSafeInteger(stored.id) || typeof stored.createdAt !== "number" || !("data" in stored))
    return undefined;
  return toFeedItem(parseStored(stored)!, false);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
