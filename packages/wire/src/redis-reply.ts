/**
 * Decodes a raw Redis reply the way `@upstash/redis` does by default, so one Lua script reads the
 * same over HTTP and TCP: a bulk string that is JSON is parsed (a number only when it prints back
 * the same, so `"1.50"`, `"007"` and `"12345678901234567890"` stay text), arrays are decoded
 * element by element (strings inside parsed JSON are not parsed again), integers stay numbers and
 * nil is `null`. RESP3 extras are folded back to their RESP2 shape: `true` → `1`, `false` → `null`
 * (what a Lua boolean gives over RESP2), a map → a flat `[key, value, …]` array.
 *
 * @example
 * ```ts
 * import { decodeRedisReply } from "@switchboard/wire";
 * decodeRedisReply(["7", '{"a":1}', "e123", null]); // [7, { a: 1 }, "e123", null]
 * ```
 */
export function decodeRedisReply(reply: unknown): unknown {
  if (typeof reply === "string") return decodeText(reply);
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (typeof reply === "boolean") return reply ? 1 : null;
  if (Array.isArray(reply)) return reply.map(decodeRedisReply);
  if (reply instanceof Map) return [...reply].flat().map(decodeRedisReply);
  if (typeof reply === "object" && Object.getPrototypeOf(reply) === Object.prototype)
    return Object.entries(reply).flat().map(decodeRedisReply);
  return reply;
}

function decodeText(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  return typeof parsed === "number" && String(parsed) !== text ? text : parsed;
}
