import { type RedisDriver, toRedisDriver, WireError } from "@switchboard/wire";
import { newEpoch } from "./feed-epoch";
import { FeedError } from "./feed-error";
import type { FeedCounts, FeedItem, FeedStateChange, StoredFeedItem } from "./feed-item";
import {
  type AppendOptions,
  type AppendResult,
  type FeedChange,
  type FeedStore,
  FRESH,
  gone,
  type ItemFlags,
  OVERFLOW_GROUP,
  type SinceRequest,
  type SinceResult,
  stateChange,
  toFeedItem,
} from "./feed-store";
import { MAX_TRACKED_ACTORS } from "./group-state";
import {
  APPEND_SCRIPT,
  COUNTS_SCRIPT,
  LIST_SCRIPT,
  MARK_SCRIPT,
  REMOVE_SCRIPT,
  SINCE_SCRIPT,
  VERSIONS_SCRIPT,
} from "./redis-scripts";

/**
 * A Redis client the feed can use: an `@upstash/redis` `Redis` (HTTP: serverless and edge), an
 * `ioredis` `Redis` or a connected `node-redis` client (TCP: long-running servers). None of them is
 * a dependency: install the one you use. Checked when the store is created, with a message that
 * says which clients work.
 */
export type FeedRedisClient = object;

/** Options for {@link redisFeedStore}. */
export interface RedisFeedStoreOptions {
  /**
   * An `@upstash/redis` client (e.g. `Redis.fromEnv()`), an `ioredis` `Redis`, or a connected
   * `node-redis` client.
   */
  redis: FeedRedisClient;
  /** Prefix of every key. @default "sb:feed" */
  prefix?: string;
  /**
   * `PUBLISH` every change on `{prefix}:changes`, and let each process's shared poller
   * `SUBSCRIBE` to it (one REST `/subscribe` stream, or one TCP connection, per process), so a push from another instance
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
   * Called once per request the store sends to Redis, with its name (`EVAL` for every script, whether
   * the driver sends it as EVALSHA or EVAL; `SUBSCRIBE`), how many Redis commands it costs as
   * Upstash bills them (a script is one, plus one for the `PUBLISH` inside a write when `pubsub`
   * is on), and the store step it serves: `append`, `list`, `since` (a stream catching up, one
   * call for every stream a poll woke), `mark`, `remove`, `counts`, `versions` (the shared poll's
   * one read per interval) or `subscribe`. For benchmarks and cost dashboards.
   */
  onCommand?: (command: string, commands: number, step: FeedStoreStep) => void;
}

/** The store step a Redis request serves (see {@link RedisFeedStoreOptions.onCommand}). */
export type FeedStoreStep =
  | "append"
  | "list"
  | "since"
  | "mark"
  | "remove"
  | "counts"
  | "versions"
  | "subscribe";

/**
 * A feed store in Redis: Upstash through `@upstash/redis` (HTTP, serverless and edge friendly), or
 * any Redis through `ioredis` / `node-redis` (TCP). Every step is one Lua script, so it is atomic
 * across processes and one round trip on every client. Per recipient `r` under `prefix`:
 *
 * - `{prefix}:{r}:seq`: INCR sequence, the source of item ids
 * - `{prefix}:{r}:ids`: sorted set of ids (score = id)
 * - `{prefix}:{r}:data`: hash id → item JSON
 * - `{prefix}:{r}:unread`, `:unseen`, `:archived`: sets of ids with that flag
 * - `{prefix}:{r}:groups`: hash `g:{groupKey}` (or `~overflow` for the rate-limit summary) → the
 *   live group (its item id, start, count, actors and latest payloads)
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
  if (options === null || typeof options !== "object")
    throw new FeedError("redisFeedStore: pass { redis }, e.g. { redis: Redis.fromEnv() }.");
  const redis = driverFor(options.redis);
  const prefix = options.prefix ?? "sb:feed";
  const channel = (options.pubsub ?? true) ? `${prefix}:changes` : "";
  const maxPublishBytes = options.maxPublishBytes ?? 8192;
  const count = options.onCommand ?? (() => {});
  const keys = (r: string) => ({
    seq: `${prefix}:${r}:seq`,
    ids: `${prefix}:${r}:ids`,
    data: `${prefix}:${r}:data`,
    unread: `${prefix}:${r}:unread`,
    unseen: `${prefix}:${r}:unseen`,
    archived: `${prefix}:${r}:archived`,
    groups: `${prefix}:${r}:groups`,
    rate: `${prefix}:${r}:rate`,
    dedupeTimes: `${prefix}:${r}:dedupe`,
    dedupeItems: `${prefix}:${r}:dedupe-items`,
    ver: `${prefix}:${r}:ver`,
    epoch: `${prefix}:${r}:epoch`,
  });
  const publishes = channel ? 1 : 0;
  const run = (step: FeedStoreStep, script: string, k: string[], args: (string | number)[], commands = 1) => {
    count("EVAL", commands, step);
    return redis.eval(script, k, args);
  };

  /** `since` for every request in one script: one round trip, one atomic snapshot. */
  const sinceMany = async (requests: readonly SinceRequest[]): Promise<SinceResult[]> => {
    if (requests.length === 0) return [];
    const raw = (await run(
      "since",
      SINCE_SCRIPT,
      requests.flatMap(({ recipient }) => {
        const k = keys(recipient);
        return [k.ids, k.data, k.unread, k.unseen, k.archived, k.seq, k.ver, k.epoch];
      }),
      requests.flatMap(({ after, limit }) => [after, limit]),
    )) as [unknown[] | null, Flags, Flags, Flags, unknown, unknown, unknown, unknown, unknown][];
    return requests.map((_, i) => {
      const [items, unread, unseen, archived, more, counts, seq, version, epoch] = raw[i]!;
      const c = parseCounts(counts);
      return {
        items: parseItems(items, unread, unseen, archived),
        more: Number(more) === 1,
        unread: c.unread,
        counts: c,
        latestId: Number(seq ?? 0),
        version: Number(version ?? 0),
        epoch: parseEpoch(epoch),
      };
    });
  };

  const store: FeedStore = {
    async append(recipient, data, createdAt, o: AppendOptions): Promise<AppendResult> {
      const k = keys(recipient);
      const [raw, counts, replaced, version, epoch, duplicate, flags] = (await run(
        "append",
        APPEND_SCRIPT,
        [
          k.seq,
          k.ids,
          k.data,
          k.unread,
          k.unseen,
          k.archived,
          k.groups,
          k.rate,
          k.ver,
          k.epoch,
          k.dedupeTimes,
          k.dedupeItems,
        ],
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
          o.category ?? "",
          o.actor ? JSON.stringify(o.actor) : "",
          o.maxActors,
          o.maxGrouped,
          MAX_TRACKED_ACTORS,
          o.dedupeKey ?? "",
          o.dedupeWindowMs ?? 0,
        ],
        1 + publishes,
      )) as [unknown, unknown, number, number, unknown, number, Flags];
      const c = parseCounts(counts);
      const result = {
        unread: c.unread,
        counts: c,
        replaced: Number(replaced) || undefined,
        version: Number(version),
        epoch: parseEpoch(epoch),
      };
      if (Number(duplicate) !== 1) return { ...result, item: toFeedItem(parseStored(raw)!, FRESH) };
      const [unread, unseen, archived] = flags ?? [];
      const stored = parseStored(raw) ?? gone(Number(replaced), data, createdAt, o);
      return {
        ...result,
        replaced: undefined,
        duplicate: true,
        item: toFeedItem(stored, {
          read: Number(unread) !== 1,
          seen: Number(unseen) !== 1,
          archived: Number(archived) === 1,
        }),
      };
    },
    async list(recipient, before, limit, filter = {}) {
      const k = keys(recipient);
      const [items, unread, unseen, archived, more, counts] = (await run(
        "list",
        LIST_SCRIPT,
        [k.ids, k.data, k.unread, k.unseen, k.archived],
        [
          before === undefined ? "+inf" : `(${before}`,
          limit,
          filter.status ?? "inbox",
          filter.category ?? "",
        ],
      )) as [unknown[], Flags, Flags, Flags, unknown, unknown];
      const c = parseCounts(counts);
      return {
        items: parseItems(items, unread, unseen, archived),
        unread: c.unread,
        counts: c,
        more: Number(more) === 1,
      };
    },
    async since(recipient, after, limit) {
      const [result] = await sinceMany([{ recipient, after, limit }]);
      return result!;
    },
    sinceMany: (requests) => sinceMany(requests),
    async mark(recipient, ids, set) {
      const k = keys(recipient);
      const flag = (value: boolean | undefined) => (value === undefined ? "" : value ? "1" : "0");
      const all = stateChange("all", set);
      const flagsJson = (["read", "seen", "archived"] as const)
        .flatMap((name) => (all[name] === undefined ? [] : [`,"${name}":${all[name]}`]))
        .join("");
      const [counts, version, epoch, changed] = (await run(
        "mark",
        MARK_SCRIPT,
        [k.ids, k.unread, k.unseen, k.archived, k.ver, k.epoch],
        [
          channel,
          recipient,
          flag(set.read),
          flag(set.seen),
          flag(set.archived),
          flagsJson,
          ids === "all" ? "all" : "ids",
          ...(ids === "all" ? [] : [...new Set(ids)]),
        ],
        1 + publishes,
      )) as [unknown, number, unknown, unknown[] | null];
      const c = parseCounts(counts);
      return {
        unread: c.unread,
        counts: c,
        version: Number(version),
        epoch: parseEpoch(epoch),
        state: stateChange(ids === "all" ? "all" : (changed ?? []).map(Number), set),
      };
    },
    async remove(recipient, ids) {
      const k = keys(recipient);
      const [removed, counts, version, epoch] = (await run(
        "remove",
        REMOVE_SCRIPT,
        [k.data, k.ids, k.unread, k.unseen, k.archived, k.ver, k.epoch],
        [channel, recipient, ...ids],
        1 + publishes,
      )) as [number, unknown, number, unknown];
      const c = parseCounts(counts);
      return {
        removed: Number(removed),
        unread: c.unread,
        counts: c,
        version: Number(version),
        epoch: parseEpoch(epoch),
      };
    },
    async unreadCount(recipient) {
      return (await store.counts(recipient)).unread;
    },
    async counts(recipient) {
      const k = keys(recipient);
      return parseCounts(await run("counts", COUNTS_SCRIPT, [k.ids, k.unread, k.unseen, k.archived], []));
    },
    async versions(recipients) {
      if (recipients.length === 0) return [];
      const raw = (await run(
        "versions",
        VERSIONS_SCRIPT,
        recipients.map((r) => keys(r).ver),
        [],
      )) as unknown[];
      return recipients.map((_, i) => Number(raw[i] ?? 0));
    },
  };
  // A client that cannot subscribe (an older @upstash/redis) still publishes: other processes
  // that can wake at once, this one polls.
  const { subscribe } = redis;
  if (channel && subscribe) {
    store.subscribe = (onChange) => {
      count("SUBSCRIBE", 1, "subscribe");
      // A failed subscription only costs latency: the poller keeps polling.
      return subscribe.call(
        redis,
        channel,
        (message) => {
          const parsed = parseChange(message);
          if (parsed) onChange(parsed.recipient, parsed.version, parsed.change);
        },
        () => {},
      );
    };
  }
  return store;
}

type Flags = (0 | 1 | number)[] | null;

/** The user's client as a driver; anything else is a FeedError naming the clients that work. */
function driverFor(client: unknown): RedisDriver {
  try {
    return toRedisDriver(client, "redisFeedStore: redis");
  } catch (error) {
    if (error instanceof WireError) throw new FeedError(error.message);
    throw error;
  }
}

function parseCounts(raw: unknown): FeedCounts {
  const [total, unseen, unread, archived] = (Array.isArray(raw) ? raw : []).map(Number);
  return { total: total ?? 0, unseen: unseen ?? 0, unread: unread ?? 0, archived: archived ?? 0 };
}

/** Item JSONs with their flags (1 = in the unread / unseen / archived set); missing ones dropped. */
function parseItems(items: unknown[] | null, unread: Flags, unseen: Flags, archived: Flags): FeedItem[] {
  return (items ?? []).flatMap((value, j) => {
    const stored = parseStored(value);
    const flags: ItemFlags = {
      read: Number(unread?.[j]) !== 1,
      seen: Number(unseen?.[j]) !== 1,
      archived: Number(archived?.[j]) === 1,
    };
    return stored ? [toFeedItem(stored, flags)] : [];
  });
}

/** A stored item; one written before actors and categories gets their defaults. */
function parseStored(raw: unknown): StoredFeedItem | undefined {
  if (raw === null || raw === undefined || raw === false) return undefined;
  const { older, ...value } = (typeof raw === "string" ? JSON.parse(raw) : raw) as Partial<StoredFeedItem> & {
    older?: unknown[];
  };
  return {
    ...(value as StoredFeedItem),
    groupKey: value.groupKey ?? undefined,
    category: value.category ?? undefined,
    actors: value.actors ?? [],
    actorCount: value.actorCount ?? 0,
    grouped: [value.data, ...(older ?? [])],
  };
}

/** A script's "e" .. epoch (the prefix keeps a JSON-decoding client from reading digits as a number). */
function parseEpoch(raw: unknown): string {
  return typeof raw === "string" && raw.startsWith("e") ? raw.slice(1) : "";
}

/**
 * A change message: `{r, v}` from an older writer (streams read), or `{r, v, e, u, c}` with the
 * item (`i`) or its id (`id`), or the state change (`s`). Anything malformed is dropped: a missed
 * message only costs latency.
 */
function parseChange(
  message: unknown,
): { recipient: string; version: number; change: FeedChange | undefined } | undefined {
  const value = typeof message === "string" ? safeJson(message) : message;
  if (value === null || typeof value !== "object") return undefined;
  const { r, v, e, u, c, s, i, id } = value as Record<string, unknown>;
  if (typeof r !== "string" || !Number.isSafeInteger(v)) return undefined;
  const version = v as number;
  const bare = { recipient: r, version, change: undefined };
  if (typeof e !== "string" || !Number.isSafeInteger(u)) return bare;
  const change: FeedChange = { version, epoch: e, unread: u as number };
  if (Array.isArray(c) && c.length === 4 && c.every((n) => Number.isSafeInteger(n)))
    change.counts = parseCounts(c);
  if (s !== undefined) {
    const state = parseState(s);
    if (!state) return bare;
    change.state = state;
  }
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

/** The item in a change message: a fresh push, so unread and unseen. */
function parseItem(raw: unknown): FeedItem | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const stored = raw as Partial<StoredFeedItem>;
  if (!Number.isSafeInteger(stored.id) || typeof stored.createdAt !== "number" || !("data" in stored))
    return undefined;
  return toFeedItem(parseStored(stored)!, FRESH);
}

/** The state change in a mark's message. */
function parseState(raw: unknown): FeedStateChange | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const { ids, seen, read, archived } = raw as Record<string, unknown>;
  // cjson writes an empty list as {}.
  const list = ids !== null && typeof ids === "object" && !Array.isArray(ids) ? [] : ids;
  if (list !== "all" && !(Array.isArray(list) && list.every((n) => Number.isSafeInteger(n))))
    return undefined;
  const state: FeedStateChange = { ids: list as number[] | "all" };
  for (const [name, flag] of [
    ["seen", seen],
    ["read", read],
    ["archived", archived],
  ] as const) {
    if (typeof flag === "boolean") state[name] = flag;
    else if (flag !== undefined) return undefined;
  }
  return state;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
