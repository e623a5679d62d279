import { evalScript } from "./eval-script";
import type { RedisDriver } from "./redis-driver";
import { decodeRedisReply } from "./redis-reply";
import { type SubscriberConnection, type SubscriberEvents, subscriberHub } from "./redis-subscriber";
import { WireError } from "./wire-error";

/** The part of an `ioredis` `Redis` or `Cluster` the driver uses (never imported at run time). */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(): IoRedisLike;
  readonly status: string;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** Whether `client` looks like an `ioredis` `Redis` or `Cluster`. */
export function isIoRedis(client: Record<string, unknown>): boolean {
  return (
    typeof client.call === "function" &&
    typeof client.duplicate === "function" &&
    typeof client.status === "string" &&
    typeof client.on === "function"
  );
}

/**
 * A {@link RedisDriver} over an `ioredis` client: EVALSHA/EVAL through `call` (so `keyPrefix`
 * applies to the keys as usual), replies decoded like `@upstash/redis`; subscriptions on one
 * `duplicate()` connection, which ioredis reconnects and resubscribes by itself.
 *
 * @example
 * ```ts
 * import { ioredisDriver } from "./ioredis-driver";
 * const driver = ioredisDriver(new Redis(), "redis");
 * ```
 */
export function ioredisDriver(client: IoRedisLike, field: string): RedisDriver {
  return {
    client: "ioredis",
    eval: async (script, keys, args) =>
      decodeRedisReply(
        await evalScript(
          (command, target, argv) => client.call(command, target, ...argv),
          script,
          keys,
          args,
        ),
      ),
    subscribe: subscriberHub((events) => openSubscriber(client, field, events)),
  };
}

function openSubscriber(client: IoRedisLike, field: string, events: SubscriberEvents): SubscriberConnection {
  const connection = client.duplicate();
  let closing = false;
  let up = false;
  connection.on("error", (error: unknown) => {
    if (!closing) events.error(error);
  });
  connection.on("ready", () => {
    up = true;
    events.ready();
  });
  // A dropped connection (CLIENT KILL, a failover, a network cut) closes without an 'error':
  // report it, since messages published until ioredis has resubscribed are lost.
  connection.on("close", () => {
    if (closing || !up) return;
    up = false;
    events.error(
      new WireError(
        field,
        `${field}: the Redis subscription connection closed; ioredis reconnects and resubscribes, but messages published meanwhile are lost.`,
      ),
    );
  });
  connection.on("message", (channel: string, message: string) => events.message(channel, message));
  return {
    subscribe: (channel) => connection.subscribe(channel),
    unsubscribe: (channel) => connection.unsubscribe(channel),
    close: async () => {
      closing = true;
      if (connection.status !== "ready") return connection.disconnect();
      try {
        await connection.quit();
      } catch {
        connection.disconnect();
      }
    },
  };
}
