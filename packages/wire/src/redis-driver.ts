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
   * Runs a Lua script (EVALSHA, falling back to EVAL when the server does not know it yet).
   * Replies are decoded the way `@upstash/redis` decodes them by default, on every client: a bulk
   * string that is JSON is parsed (recursively inside arrays, and a number only when it prints
   * back the same), integers are numbers, nil is `null`. So a script reads the same everywhere;
   * return text that must stay text (an id that looks like a number) with a non-JSON prefix.
   */
  eval(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  /**
   * Subscribes to a channel; `onMessage` gets each message (decoded like {@link eval}). Returns the
   * function that unsubscribes. Absent when the client cannot subscribe (an `@upstash/redis`
   * before it had `subscribe`). A TCP client subscribes on its own duplicate connection. Errors
   * only reach `onError`: a lost subscription must cost latency, never a crash.
   */
  subscribe?(
    channel: string,
    onMessage: (message: unknown) => void,
    onError?: (error: unknown) => void,
  ): () => void;
}

/**
 * Wraps a user's Redis client in a {@link RedisDriver}: an `@upstash/redis` `Redis`, an `ioredis`
 * `Redis`/`Cluster`, or a `node-redis` client. Throws a {@link WireError} naming `field` for
 * anything else, saying which clients work.
 *
 * @example
 * ```ts
 * const driver = toRedisDriver(Redis.fromEnv(), "redis");
 * const n = await driver.eval("return redis.call('INCR', KEYS[1])", ["counter"], []);
 * ```
 */
export function toRedisDriver(client: unknown, field: string): RedisDriver {
  if (client !== null && typeof client === "object" && isDriver(client)) return client;
  const candidate = client as Record<string, unknown> | null;
  if (candidate && typeof candidate.evalsha === "function" && typeof candidate.pipeline === "function") {
    if (typeof candidate.createScript === "function")
      return upstashDriver(candidate as unknown as UpstashLike);
  }
  throw new WireError(
    field,
    `${field} must be a Redis client: an @upstash/redis Redis (e.g. Redis.fromEnv()), an ioredis Redis or a node-redis client (createClient(), connected).`,
  );
}

function isDriver(value: object): value is RedisDriver {
  const v = value as Partial<RedisDriver>;
  return (
    typeof v.eval === "function" &&
    (v.client === "upstash" || v.client === "ioredis" || v.client === "node-redis")
  );
}

interface UpstashLike {
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
  subscribe?: (channel: string) => {
    on(event: "message", listener: (event: { message: unknown }) => void): void;
    on(event: "error", listener: (error: unknown) => void): void;
    unsubscribe(): Promise<void>;
  };
}

function upstashDriver(redis: UpstashLike): RedisDriver {
  const driver: RedisDriver = {
    client: "upstash",
    eval: (script, keys, args) => redis.eval(script, [...keys], args.map(String)),
  };
  if (typeof redis.subscribe === "function") {
    const subscribe = redis.subscribe.bind(redis);
    driver.subscribe = (channel, onMessage, onError) => {
      const subscription = subscribe(channel);
      subscription.on("message", ({ message }) => onMessage(message));
      subscription.on("error", (error) => onError?.(error));
      return () => void subscription.unsubscribe().catch(() => {});
    };
  }
  return driver;
}
