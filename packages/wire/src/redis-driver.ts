import { type IoRedisLike, ioredisDriver, isIoRedis } from "./ioredis-driver";
import { isNodeRedis, type NodeRedisLike, nodeRedisDriver } from "./node-redis-driver";
import { isUpstash, type UpstashLike, upstashDriver } from "./upstash-driver";
import { WireError } from "./wire-error";

/**
 * The Redis calls Switchboard's stores make (the feed, digests, preferences), over whichever client
 * the user has: `@upstash/redis` (HTTP, serverless and edge), `ioredis` or `node-redis` (TCP, for
 * long-running servers). Every store speaks Lua only, so one script is one atomic step and one
 * round trip on every client.
 */
export interface RedisDriver {
  /** The client behind this driver, for error messages. */
  readonly client: "upstash" | "ioredis" | "node-redis";
  /**
   * Runs a Lua script: EVALSHA, falling back to EVAL when Redis answers NOSCRIPT. Replies are
   * decoded the way `@upstash/redis` decodes them by default, on every client
   * ({@link decodeRedisReply}): a bulk string that is JSON is parsed (recursively inside arrays,
   * and a number only when it prints back the same), integers are numbers, nil is `null`. So a
   * script reads the same everywhere; return text that must stay text (an id that looks like a
   * number, the word `null`) with a non-JSON prefix. A Redis error rejects with Redis's message.
   * Keys must be non-empty strings, args strings or finite numbers (else a {@link WireError}).
   */
  eval(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  /**
   * Subscribes to a channel; `onMessage` gets each message (decoded like {@link eval}). Returns the
   * function that unsubscribes. Absent when the client cannot subscribe (an `@upstash/redis`
   * before it had `subscribe`). A TCP client subscribes on one duplicate connection per driver,
   * opened by the first subscription and closed by the last unsubscribe. Errors only reach
   * `onError` (a dropped connection too: messages published until the client has resubscribed
   * are lost): a lost subscription must cost latency, never a crash.
   */
  subscribe?(
    channel: string,
    onMessage: (message: unknown) => void,
    onError?: (error: unknown) => void,
  ): () => void;
}

/**
 * Wraps a user's Redis client in a {@link RedisDriver}: an `@upstash/redis` `Redis`, an `ioredis`
 * `Redis` or `Cluster`, or a `node-redis` client (`createClient()`, connected). Recognised by
 * shape, never imported. A {@link RedisDriver} is returned as it is. Throws a {@link WireError}
 * naming `field` for anything else, saying which clients work.
 *
 * @example
 * ```ts
 * import { toRedisDriver } from "@switchboard/wire";
 * const driver = toRedisDriver(new Redis(), "redis"); // ioredis
 * const n = await driver.eval("return redis.call('INCR', KEYS[1])", ["counter"], []);
 * ```
 */
export function toRedisDriver(client: unknown, field: string): RedisDriver {
  if (client !== null && typeof client === "object") {
    if (isDriver(client)) return client;
    const candidate = client as Record<string, unknown>;
    if (isUpstash(candidate)) return upstashDriver(candidate as unknown as UpstashLike);
    if (isIoRedis(candidate)) return ioredisDriver(candidate as unknown as IoRedisLike, field);
    if (isNodeRedis(candidate)) return nodeRedisDriver(candidate as unknown as NodeRedisLike, field);
  }
  throw new WireError(
    field,
    `${field} must be a Redis client: an @upstash/redis Redis (e.g. Redis.fromEnv()), an ioredis Redis or Cluster (new Redis(url)), or a node-redis client (await createClient({ url }).connect()); got ${describe(client)}.`,
  );
}

function isDriver(value: object): value is RedisDriver {
  const v = value as Partial<RedisDriver>;
  return (
    typeof v.eval === "function" &&
    (v.client === "upstash" || v.client === "ioredis" || v.client === "node-redis")
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object of another shape";
}
