import type { RedisDriver } from "@switchboard/wire";
import type { PreferenceStore } from "./preference-store";

// KEYS[1] is the recipient's hash; ARGV are the fields to read.
const READ = "return redis.call('HMGET', KEYS[1], unpack(ARGV))";

// ARGV: how many fields to remove, how many to set, the fields to remove, then field and value
// pairs to set, then the fields to read back.
const UPDATE = `
local removing = tonumber(ARGV[1])
local setting = tonumber(ARGV[2])
local at = 3
if removing > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, at, at + removing - 1)) end
at = at + removing
if setting > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, at, at + 2 * setting - 1)) end
at = at + 2 * setting
if at > #ARGV then return {} end
return redis.call('HMGET', KEYS[1], unpack(ARGV, at, #ARGV))
`;

/**
 * Preferences in Redis: one hash per recipient at `{prefix}:{recipient}`, every read and write one
 * Lua script through the {@link RedisDriver}, so one round trip and atomic across instances.
 * Internal.
 */
export function redisPreferenceStore(redis: RedisDriver, prefix: string): PreferenceStore {
  const key = (recipient: string) => `${prefix}:${recipient}`;
  return {
    async read(recipient, fields) {
      if (fields.length === 0) return [];
      return decode(await redis.eval(READ, [key(recipient)], fields), fields.length);
    },
    async update(recipient, { remove, set }, fields) {
      const args: string[] = [String(remove.length), String(set.length), ...remove];
      for (const [field, on] of set) args.push(field, on ? "1" : "0");
      args.push(...fields);
      return decode(await redis.eval(UPDATE, [key(recipient)], args), fields.length);
    },
  };
}

/**
 * HMGET's answer as booleans. The driver decodes like `@upstash/redis` (`"1"` arrives as `1`), so
 * both forms are taken; a value no version of this store wrote counts as never chosen.
 */
function decode(reply: unknown, expected: number): (boolean | undefined)[] {
  if (!Array.isArray(reply) || reply.length !== expected) {
    throw new Error(`unexpected reply from the preferences script: ${JSON.stringify(reply)?.slice(0, 200)}`);
  }
  return reply.map((value) => {
    if (value === 1 || value === "1") return true;
    if (value === 0 || value === "0") return false;
    return undefined;
  });
}
