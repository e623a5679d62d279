import type { Redis } from "@upstash/redis";
import type { StoredFeedItem } from "./feed-item";
import { type AppendOptions, type AppendResult, type FeedStore, toFeedItem } from "./feed-store";
import { OVERFLOW_GROUP } from "./memory-feed-store";

/** An `@upstash/redis` client (an optional peer dependency: install it to use Redis). */
export type FeedRedisClient = Redis;

/** Options for {@link redisFeedStore}. */
export interface RedisFeedStoreOptions {
  /** An `@upstash/redis` client, e.g. `Redis.fromEnv()`. */
  redis: FeedRedisClient;
  /** Prefix of every key. @default "sb:feed" */
  prefix?: string;
  /** Called once per Redis request the store makes (an EVAL or a MULTI/EXEC counts once), to measure cost. */
  onCommand?: (name: string) => void;
}

// Everything a push changes, in one atomic script. User data is spliced in as raw JSON, never
// decoded and re-encoded by cjson, so it is stored byte for byte.
const APPEND = `
local seqKey, idsKey, dataKey, unreadKey, groupsKey, rateKey, versionsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local recipient, payload, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local groupKey, groupWindow = ARGV[4], tonumber(ARGV[5])
local rateLimit, rateWindow = tonumber(ARGV[6]), tonumber(ARGV[7])
local maxItems, ttl, overflow = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]
local summary = false
if rateLimit > 0 then
  local n = redis.call('INCR', rateKey)
  if n == 1 then redis.call('PEXPIRE', rateKey, rateWindow) end
  if n > rateLimit then groupKey = overflow; groupWindow = rateWindow; summary = true end
end
local count, startedAt, replaced = 1, now, 0
if groupKey ~= '' then
  local meta = redis.call('HGET', groupsKey, groupKey)
  if meta then
    local prevId, prevStart, prevCount = string.match(meta, '^(%d+)|(%d+)|(%d+)$')
    if prevId and redis.call('HEXISTS', dataKey, prevId) == 1 and now - tonumber(prevStart) < groupWindow then
      count, startedAt, replaced = tonumber(prevCount) + 1, tonumber(prevStart), tonumber(prevId)
      redis.call('HDEL', dataKey, prevId)
      redis.call('ZREM', idsKey, prevId)
      redis.call('SREM', unreadKey, prevId)
    end
  end
end
local id = redis.call('INCR', seqKey)
local item = '{"id":' .. id .. ',"createdAt":' .. now .. ',"groupKey":' .. (groupKey == '' and 'null' or cjson.encode(groupKey)) ..
  ',"groupStartedAt":' .. startedAt .. ',"count":' .. count .. ',"summary":' .. tostring(summary) .. ',"data":' .. payload .. '}'
redis.call('HSET', dataKey, id, item)
redis.call('ZADD', idsKey, id, id)
redis.call('SADD', unreadKey, id)
if groupKey ~= '' then redis.call('HSET', groupsKey, groupKey, id .. '|' .. startedAt .. '|' .. count) end
local total = redis.call('ZCARD', idsKey)
if total > maxItems then
  local old = redis.call('ZRANGE', idsKey, 0, total - maxItems - 1)
  for _, oldId in ipairs(old) do
    redis.call('HDEL', dataKey, oldId)
    redis.call('SREM', unreadKey, oldId)
  end
  redis.call('ZREMRANGEBYRANK', idsKey, 0, total - maxItems - 1)
end
redis.call('HINCRBY', versionsKey, recipient, 1)
if ttl > 0 then
  for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ttl) end
end
return {item, redis.call('SCARD', unreadKey), replaced}
`;

/**
 * A feed store in Upstash Redis, through the HTTP client `@upstash/redis` (serverless and edge
 * friendly). Per recipient `r` under `prefix`:
 *
 * - `{prefix}:{r}:seq`: INCR sequence, the source of item ids
 * - `{prefix}:{r}:ids`: sorted set of ids (score = id)
 * - `{prefix}:{r}:data`: hash id → item JSON
 * - `{prefix}:{r}:unread`: set of unread ids
 * - `{prefix}:{r}:groups`: hash groupKey → "id|startedAt|count"
 * - `{prefix}:{r}:rate`: the rate-limit counter (expires with its window)
 * - `{prefix}:versions`: hash recipient → change counter, read for all streams with one HMGET
 *
 * @example
 * ```ts
 * import { Redis } from "@upstash/redis";
 * import { createFeed, redisFeedStore } from "@switchboard/sse";
 *
 * const feed = createFeed({ store: redisFeedStore({ redis: Redis.fromEnv() }), schema });
 * ```
 */
export function redisFeedStore(options: RedisFeedStoreOptions): FeedStore {
  const { redis } = options;
  const prefix = options.prefix ?? "sb:feed";
  const count = options.onCommand ?? (() => {});
  const keys = (r: string) => ({
    seq: `${prefix}:${r}:seq`,
    ids: `${prefix}:${r}:ids`,
    data: `${prefix}:${r}:data`,
    unread: `${prefix}:${r}:unread`,
    groups: `${prefix}:${r}:groups`,
    rate: `${prefix}:${r}:rate`,
  });
  const versionsKey = `${prefix}:versions`;

  const load = async (recipient: string, ids: number[]) => {
    if (ids.length === 0) return { items: [], unread: 0 };
    const k = keys(recipient);
    count("MULTI");
    const [raw, unreadIds, unread] = (await redis
      .multi()
      .hmget(k.data, ...ids.map(String))
      .smembers(k.unread)
      .scard(k.unread)
      .exec()) as [Record<string, unknown> | null, (string | number)[], number];
    const unreadSet = new Set(unreadIds.map(Number));
    const items = ids
      .map((id) => parseStored(raw?.[String(id)]))
      .filter((s): s is StoredFeedItem => s !== undefined)
      .map((s) => toFeedItem(s, !unreadSet.has(s.id)));
    return { items, unread };
  };

  type Score = number | "-inf" | "+inf" | `(${number}`;
  const byScore = async (recipient: string, min: Score, max: Score, rev: boolean, limit: number) => {
    const k = keys(recipient);
    count("MULTI");
    const [ids, unread] = (await redis
      .multi()
      .zrange(k.ids, rev ? max : min, rev ? min : max, { byScore: true, rev, offset: 0, count: limit + 1 })
      .scard(k.unread)
      .exec()) as [(string | number)[], number];
    return { ids: ids.map(Number), unread };
  };

  return {
    async append(recipient, data, createdAt, o: AppendOptions): Promise<AppendResult> {
      const k = keys(recipient);
      count("EVAL");
      const [raw, unread, replaced] = (await redis.eval(
        APPEND,
        [k.seq, k.ids, k.data, k.unread, k.groups, k.rate, versionsKey],
        [
          recipient,
          JSON.stringify(data),
          createdAt,
          o.groupKey ?? "",
          o.groupWindowMs,
          o.rateLimit,
          o.rateWindowMs,
          o.maxItems,
          o.ttlSeconds,
          OVERFLOW_GROUP,
        ],
      )) as [unknown, number, number];
      return {
        item: toFeedItem(parseStored(raw)!, false),
        unread: Number(unread),
        replaced: Number(replaced) || undefined,
      };
    },
    async list(recipient, before, limit) {
      const { ids, unread } = await byScore(
        recipient,
        "-inf",
        before === undefined ? "+inf" : `(${before}`,
        true,
        limit,
      );
      const page = ids.slice(0, limit);
      const loaded = await load(recipient, page);
      return {
        items: loaded.items,
        unread: page.length > 0 ? loaded.unread : unread,
        more: ids.length > limit,
      };
    },
    async since(recipient, after, limit) {
      const { ids } = await byScore(recipient, `(${after}`, "+inf", false, limit);
      const loaded = await load(recipient, ids.slice(0, limit));
      return { items: loaded.items, more: ids.length > limit };
    },
    async markRead(recipient, ids) {
      const k = keys(recipient);
      count("MULTI");
      const tx = redis.multi();
      if (ids === "all") tx.del(k.unread);
      else if (ids.length > 0) tx.srem(k.unread, ...ids.map(String));
      tx.hincrby(versionsKey, recipient, 1).scard(k.unread);
      const results = await tx.exec();
      return Number(results.at(-1));
    },
    async remove(recipient, ids) {
      if (ids.length === 0) return 0;
      const k = keys(recipient);
      const members = ids.map(String);
      count("MULTI");
      const results = await redis
        .multi()
        .hdel(k.data, ...members)
        .zrem(k.ids, ...members)
        .srem(k.unread, ...members)
        .hincrby(versionsKey, recipient, 1)
        .exec();
      return Number(results[0]);
    },
    async unreadCount(recipient) {
      count("MULTI");
      const [unread] = await redis.multi().scard(keys(recipient).unread).exec();
      return Number(unread);
    },
    async latestId(recipient) {
      count("MULTI");
      const [seq] = await redis.multi().get(keys(recipient).seq).exec();
      return Number(seq ?? 0);
    },
    async snapshot(recipient) {
      const k = keys(recipient);
      count("MULTI");
      const [seq, unread, version] = await redis
        .multi()
        .get(k.seq)
        .scard(k.unread)
        .hget(versionsKey, recipient)
        .exec();
      return { latestId: Number(seq ?? 0), unread: Number(unread ?? 0), version: Number(version ?? 0) };
    },
    async versions(recipients) {
      if (recipients.length === 0) return [];
      count("HMGET");
      const [raw] = (await redis
        .multi()
        .hmget(versionsKey, ...recipients)
        .exec()) as [Record<string, unknown> | null];
      return recipients.map((r) => Number(raw?.[r] ?? 0));
    },
  };
}

function parseStored(raw: unknown): StoredFeedItem | undefined {
  if (raw === null || raw === undefined) return undefined;
  const value = typeof raw === "string" ? (JSON.parse(raw) as StoredFeedItem) : (raw as StoredFeedItem);
  return { ...value, groupKey: value.groupKey ?? undefined };
}
