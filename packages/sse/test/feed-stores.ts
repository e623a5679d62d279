import { randomUUID } from "node:crypto";
import { type DevServer, startDevServer } from "@switchboard/dev";
import { Redis } from "@upstash/redis";
import { Redis as TcpRedis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import type { FeedStore } from "../src/feed-store";
import { memoryFeedStore } from "../src/memory-feed-store";
import { type RedisFeedStoreOptions, redisFeedStore } from "../src/redis-feed-store";
import { type ManualClock, manualClock } from "./manual-clock";

/** One store kind the shared suites run against. Test-only. */
export interface StoreCase {
  /** `redis`: Upstash REST (the dev server's endpoint); `redis-tcp`: a plain ioredis client. */
  name: "memory" | "redis" | "redis-tcp";
  /** A fresh, empty store. */
  make(options?: Omit<RedisFeedStoreOptions, "redis" | "prefix">): FeedStore;
  /**
   * Two store objects over the same data, as two processes would have (memory: one object).
   * Redis options (e.g. `{ pubsub: false }`) apply to both.
   */
  pair(options?: Omit<RedisFeedStoreOptions, "redis" | "prefix">): [FeedStore, FeedStore];
  /**
   * A fresh store for a feed with `ttlSeconds`, its clock (pass it to `createFeed` as `clock`), and
   * `expire(recipient)`, which makes the recipient's feed expire now: memory moves the clock past
   * the TTL; Redis (which expires keys by its own clock) first checks that every key of the recipient carries a TTL no longer than
   * `ttlSeconds` (so real expiry would remove them all), then deletes them, as expiry would.
   */
  expiring(ttlSeconds: number): ExpiringStore;
}

/** See {@link StoreCase.expiring}. Test-only. */
export interface ExpiringStore {
  store: FeedStore;
  clock: ManualClock;
  expire(recipient: string): Promise<void>;
}

/**
 * Real Redis at 127.0.0.1:6379 through `@upstash/redis` and the dev server's Upstash REST
 * endpoint, under a prefix unique to this run; keys are deleted afterwards. With no Redis,
 * `startDevServer` rejects and every test using it fails: Redis tests never skip. Test-only.
 */
export function useTestRedis(): { readonly redis: Redis; prefix(): string } {
  let dev: DevServer | undefined;
  let client: Redis | undefined;
  const run = `sbtest:${randomUUID()}`;
  let counter = 0;
  beforeAll(async () => {
    dev = await startDevServer({ port: 0, quiet: true, redisUrl: "redis://127.0.0.1:6379", redisPort: 0 });
    client = new Redis({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
  });
  afterAll(async () => {
    if (client) {
      const keys = await client.keys(`${run}:*`);
      for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
    }
    await dev?.close();
  });
  return {
    get redis() {
      if (!client) throw new Error("Redis is not up: is redis-server running on 127.0.0.1:6379?");
      return client;
    },
    prefix: () => `${run}:${++counter}`,
  };
}

/**
 * A plain ioredis client (TCP, real SUBSCRIBE on a duplicate connection) to the real Redis at
 * 127.0.0.1:6379, connected before the suite and closed after it. With no Redis the connect
 * rejects and every test using it fails: never skipped. Test-only.
 */
export function useTestTcpRedis(): { readonly redis: TcpRedis; readonly other: TcpRedis } {
  let clients: TcpRedis[] = [];
  beforeAll(async () => {
    // Two connections: `pair()` gives each "process" its own, as two servers would have.
    clients = [0, 1].map(
      () => new TcpRedis("redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 }),
    );
    await Promise.all(clients.map((client) => client.connect()));
  });
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });
  const get = (i: number) => {
    const client = clients[i];
    if (!client) throw new Error("Redis is not up: is redis-server running on 127.0.0.1:6379?");
    return client;
  };
  return {
    get redis() {
      return get(0);
    },
    get other() {
      return get(1);
    },
  };
}

/**
 * The same store cases over a Redis client: Upstash REST, or plain ioredis over TCP. Keys go under
 * `test`'s run prefix (deleted afterwards); `test.redis` inspects them either way (one server).
 */
function redisCase(
  name: "redis" | "redis-tcp",
  test: ReturnType<typeof useTestRedis>,
  client: () => object,
  other: () => object,
): StoreCase {
  return {
    name,
    // Without pub/sub unless asked: these suites test what a stream sends, woken by its own
    // process or the poll, and check that nothing is left running; a subscription opened
    // by one test would still be closing on the server during the next. The default (pub/sub)
    // is tested in feed-change.test.ts, and by `pair()` below.
    make: (options = {}) =>
      redisFeedStore({ pubsub: false, ...options, redis: client(), prefix: test.prefix() }),
    pair: (options = {}) => {
      const prefix = test.prefix();
      return [
        redisFeedStore({ ...options, redis: client(), prefix }),
        redisFeedStore({ ...options, redis: other(), prefix }),
      ];
    },
    expiring: (ttlSeconds) => {
      const prefix = test.prefix();
      return {
        store: redisFeedStore({ redis: client(), prefix, pubsub: false }),
        clock: manualClock(),
        expire: async (recipient) => {
          const keys = await test.redis.keys(`${prefix}:${recipient}:*`);
          if (keys.length === 0) throw new Error(`expire: ${recipient} has no keys under ${prefix}`);
          for (const key of keys) {
            const ttl = await test.redis.ttl(key);
            if (ttl <= 0 || ttl > ttlSeconds)
              throw new Error(`expire: ${key} has TTL ${ttl}, so it would outlive the feed`);
          }
          await test.redis.del(...keys);
        },
      };
    },
  };
}

/**
 * The memory store, the Redis store over Upstash REST, and the Redis store over a plain ioredis
 * client (TCP), for `describe.each`. Test-only.
 */
export function feedStores(): StoreCase[] {
  const test = useTestRedis();
  const tcp = useTestTcpRedis();
  return [
    {
      name: "memory",
      make: () => memoryFeedStore(),
      pair: () => {
        const store = memoryFeedStore();
        return [store, store];
      },
      expiring: (ttlSeconds) => {
        const clock = manualClock();
        return {
          store: memoryFeedStore({ clock }),
          clock,
          expire: () => clock.advance(ttlSeconds * 1000 + 1),
        };
      },
    },
    redisCase(
      "redis",
      test,
      () => test.redis,
      () => test.redis,
    ),
    redisCase(
      "redis-tcp",
      test,
      () => tcp.redis,
      () => tcp.other,
    ),
  ];
}
