import type { RedisDriver } from "@switchboard/wire";
import { SwitchboardError } from "../errors/switchboard-error";
import type { AppendResult, BucketContents, ClaimResult, DigestStore } from "./digest-store";

// Every step is one Lua script, so it is atomic across instances. KEYS[1] is the base
// (`prefix:{channel:subscriber:key}`); the keys a script derives from it share its hash tag, so
// they live in one slot on a cluster too:
//   base:open         the open bucket's id
//   base:b:<id>       the bucket's fields (hash)
//   base:e:<id>       the bucket's events, oldest first (list of raw JSON)
//   base:m:<msgId>    an appended delivery → its bucket id
// Replies are JSON text (cjson.encode) so every driver decodes them to the same object.

const REPORT = `
local function report(base, id, duplicate)
  local h = redis.call('HMGET', base .. ':b:' .. id, 'count', 'full', 'sealed', 'scheduled', 'scheduledNow')
  return cjson.encode({ bucket = 'b' .. id, duplicate = duplicate, exists = h[1] ~= false,
    count = tonumber(h[1]) or 0, full = h[2] == '1', sealed = h[3] == '1',
    scheduled = h[4] == '1', scheduledNow = h[5] == '1' })
end
`;

const APPEND = `${REPORT}
local base = KEYS[1]
local msg, event, now = ARGV[1], ARGV[2], ARGV[3]
local max, maxBytes, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local marker = base .. ':m:' .. msg
local seen = redis.call('GET', marker)
if seen then return report(base, seen, true) end
local id = redis.call('GET', base .. ':open')
if id and redis.call('EXISTS', base .. ':b:' .. id) == 0 then id = false end
if not id then
  id = msg
  redis.call('HSET', base .. ':b:' .. id, 'first', now, 'count', 0, 'bytes', 0)
end
local meta, events = base .. ':b:' .. id, base .. ':e:' .. id
redis.call('SET', base .. ':open', id, 'EX', ttl)
redis.call('RPUSH', events, event)
local count = redis.call('HINCRBY', meta, 'count', 1)
local bytes = redis.call('HINCRBY', meta, 'bytes', #event)
redis.call('HSET', meta, 'last', now)
redis.call('SET', marker, id, 'EX', ttl)
redis.call('EXPIRE', meta, ttl)
redis.call('EXPIRE', events, ttl)
if count >= max or bytes >= maxBytes then
  redis.call('HSET', meta, 'full', '1')
  redis.call('DEL', base .. ':open')
end
return report(base, id, false)
`;

const MARK = `
local meta = KEYS[1] .. ':b:' .. ARGV[1]
if redis.call('EXISTS', meta) == 1 then redis.call('HSET', meta, ARGV[2], '1') end
return 1
`;

const WITHDRAW = `
local base = KEYS[1]
local marker = base .. ':m:' .. ARGV[1]
local id = redis.call('GET', marker)
if not id then return 1 end
local meta = base .. ':b:' .. id
if redis.call('HGET', meta, 'sealed') == '1' then return 0 end
if redis.call('EXISTS', meta) == 1 then
  if redis.call('LREM', base .. ':e:' .. id, -1, ARGV[2]) == 1 then
    redis.call('HINCRBY', meta, 'count', -1)
    redis.call('HINCRBY', meta, 'bytes', -#ARGV[2])
  end
end
redis.call('DEL', marker)
return 1
`;

const CLAIM = `
local base, id, flushId = KEYS[1], ARGV[1], ARGV[2]
local now, waitMs, maxWaitMs, leaseMs = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local meta = base .. ':b:' .. id
local h = redis.call('HMGET', meta, 'first', 'last', 'full', 'sealed', 'delivered', 'lease', 'leaseUntil')
if not h[1] then return cjson.encode({ state = 'gone' }) end
if h[5] == '1' then return cjson.encode({ state = 'delivered' }) end
local first, last = tonumber(h[1]), tonumber(h[2])
if h[4] ~= '1' then
  if waitMs > 0 and h[3] ~= '1' then
    local due = last + waitMs
    if maxWaitMs > 0 and first + maxWaitMs < due then due = first + maxWaitMs end
    if now < due then return cjson.encode({ state = 'early', dueAt = due }) end
  end
  redis.call('HSET', meta, 'sealed', '1')
  if redis.call('GET', base .. ':open') == id then redis.call('DEL', base .. ':open') end
end
local leaseUntil = tonumber(h[7]) or 0
if h[6] and h[6] ~= flushId and leaseUntil > now then
  return cjson.encode({ state = 'busy', ['until'] = leaseUntil })
end
redis.call('HSET', meta, 'lease', flushId, 'leaseUntil', now + leaseMs)
return cjson.encode({ state = 'ready', events = redis.call('LRANGE', base .. ':e:' .. id, 0, -1),
  firstAt = first, lastAt = last })
`;

const FINISH = `
local meta, events = KEYS[1] .. ':b:' .. ARGV[1], KEYS[1] .. ':e:' .. ARGV[1]
if redis.call('HGET', meta, 'lease') ~= ARGV[2] then return 0 end
local keep = tonumber(ARGV[3])
if keep <= 0 then
  redis.call('DEL', meta, events)
else
  redis.call('HSET', meta, 'delivered', '1')
  redis.call('HDEL', meta, 'lease', 'leaseUntil')
  redis.call('EXPIRE', meta, keep)
  redis.call('EXPIRE', events, keep)
end
return 1
`;

const RELEASE = `
local meta = KEYS[1] .. ':b:' .. ARGV[1]
if redis.call('HGET', meta, 'lease') == ARGV[2] then redis.call('HDEL', meta, 'lease', 'leaseUntil') end
return 1
`;

const READ = `
local meta = KEYS[1] .. ':b:' .. ARGV[1]
local h = redis.call('HMGET', meta, 'first', 'last', 'delivered')
if not h[1] then return cjson.encode({ gone = true }) end
return cjson.encode({ events = redis.call('LRANGE', KEYS[1] .. ':e:' .. ARGV[1], 0, -1),
  firstAt = tonumber(h[1]), lastAt = tonumber(h[2]), delivered = h[3] == '1' })
`;

/**
 * The digest store in Redis, through any {@link RedisDriver}: shared by every instance of the
 * app, each step one Lua script. Internal.
 */
export function redisDigestStore(redis: RedisDriver): DigestStore {
  const run = async (script: string, base: string, args: (string | number)[]): Promise<unknown> => {
    try {
      return await redis.eval(script, [base], args);
    } catch (error) {
      throw new SwitchboardError(
        "ROUTE_FAILED",
        `Digest state in Redis (${redis.client}) could not be updated: ${describe(error)}`,
        { cause: error },
      );
    }
  };
  return {
    async append({ base, messageId, event, now, max, maxBytes, ttlSeconds }) {
      const reply = record(await run(APPEND, base, [messageId, event, now, max, maxBytes, ttlSeconds]));
      return {
        bucket: bucketId(reply.bucket),
        duplicate: reply.duplicate === true,
        exists: reply.exists === true,
        count: Number(reply.count),
        full: reply.full === true,
        sealed: reply.sealed === true,
        scheduled: reply.scheduled === true,
        scheduledNow: reply.scheduledNow === true,
      } satisfies AppendResult;
    },
    async markScheduled(base, bucket, which) {
      await run(MARK, base, [bucket, which === "delayed" ? "scheduled" : "scheduledNow"]);
    },
    async withdraw(base, messageId, event) {
      return Number(await run(WITHDRAW, base, [messageId, event])) === 1;
    },
    async claim({ base, bucket, flushId, now, waitMs, maxWaitMs, leaseMs }) {
      const reply = record(await run(CLAIM, base, [bucket, flushId, now, waitMs, maxWaitMs, leaseMs]));
      switch (reply.state) {
        case "gone":
        case "delivered":
          return { state: reply.state } satisfies ClaimResult;
        case "early":
          return { state: "early", dueAt: Number(reply.dueAt) };
        case "busy":
          return { state: "busy", until: Number(reply.until) };
        case "ready":
          return { state: "ready", ...contents(reply) };
        default:
          throw unexpected(reply);
      }
    },
    async finish(base, bucket, flushId, keepSeconds) {
      await run(FINISH, base, [bucket, flushId, keepSeconds]);
    },
    async release(base, bucket, flushId) {
      await run(RELEASE, base, [bucket, flushId]);
    },
    async read(base, bucket) {
      const reply = record(await run(READ, base, [bucket]));
      return reply.gone === true ? undefined : { ...contents(reply), delivered: reply.delivered === true };
    },
  };
}

function record(reply: unknown): Record<string, unknown> {
  if (reply !== null && typeof reply === "object" && !Array.isArray(reply))
    return reply as Record<string, unknown>;
  throw unexpected(reply);
}

/** Ids come back prefixed with `b` so a driver never reads an all-digit id as a number. */
function bucketId(value: unknown): string {
  if (typeof value === "string" && value.startsWith("b")) return value.slice(1);
  throw unexpected(value);
}

function contents(reply: Record<string, unknown>): BucketContents {
  // cjson writes an empty list as `{}`.
  const events = Array.isArray(reply.events) ? reply.events : [];
  return {
    // A driver parses each event's JSON text; the store hands back text, as it was appended.
    events: events.map((event) => (typeof event === "string" ? event : JSON.stringify(event))),
    firstAt: Number(reply.firstAt),
    lastAt: Number(reply.lastAt),
  };
}

function unexpected(reply: unknown): SwitchboardError {
  return new SwitchboardError(
    "ROUTE_FAILED",
    `Digest state in Redis answered something unexpected: ${JSON.stringify(reply)?.slice(0, 200)}`,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
