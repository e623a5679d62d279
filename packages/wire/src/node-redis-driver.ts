import { evalScript } from "./eval-script";
import type { RedisDriver } from "./redis-driver";
import { decodeRedisReply } from "./redis-reply";
import { type SubscriberConnection, type SubscriberEvents, subscriberHub } from "./redis-subscriber";
import { WireError } from "./wire-error";

/** The part of a `node-redis` (`redis` v4/v5) client the driver uses (never imported at run time). */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): NodeRedisLike;
  connect(): Promise<unknown>;
  readonly isOpen: boolean;
  readonly isReady: boolean;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** v5; v4 has only `quit`. */
  close?: () => Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): Promise<unknown> | undefined;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** Whether `client` looks like a `node-redis` client (`createClient()`, not `createCluster()`). */
export function isNodeRedis(client: Record<string, unknown>): boolean {
  return (
    typeof client.sendCommand === "function" &&
    typeof client.duplicate === "function" &&
    typeof client.connect === "function" &&
    typeof client.isOpen === "boolean" &&
    // A node-redis cluster (createCluster) has no isReady, and a sendCommand of another shape.
    typeof client.isReady === "boolean"
  );
}

/**
 * A {@link RedisDriver} over a `node-redis` client: EVALSHA/EVAL through `sendCommand`, replies
 * decoded like `@upstash/redis`; subscriptions on one `duplicate()` connection, which node-redis
 * reconnects and resubscribes by itself. The client must be connected (`await client.connect()`);
 * a call on a closed one rejects saying so.
 *
 * @example
 * ```ts
 * import { nodeRedisDriver } from "./node-redis-driver";
 * const driver = nodeRedisDriver(await createClient().connect(), "redis");
 * ```
 */
export function nodeRedisDriver(client: NodeRedisLike, field: string): RedisDriver {
  return {
    client: "node-redis",
    eval: async (script, keys, args) => {
      if (!client.isOpen)
        throw new WireError(
          field,
          `${field}: the node-redis client is not connected; call \`await client.connect()\` before using it.`,
        );
      return decodeRedisReply(
        await evalScript(
          (command, target, argv) => client.sendCommand([command, target, ...argv]),
          script,
          keys,
          args,
        ),
      );
    },
    subscribe: subscriberHub((events) => openSubscriber(client, events)),
  };
}

function openSubscriber(client: NodeRedisLike, events: SubscriberEvents): SubscriberConnection {
  const connection = client.duplicate();
  let closing = false;
  // node-redis reports a dropped connection as an 'error' (then reconnects); with no listener
  // that error would be thrown by the event emitter and crash the process.
  connection.on("error", (error: unknown) => {
    if (!closing) events.error(error);
  });
  connection.on("ready", () => events.ready());
  const connected = connection.connect();
  connected.catch(() => {}); // reported through 'error'; each command below fails on its own too
  const listener = (message: string, channel: string) => events.message(channel, message);
  return {
    subscribe: async (channel) => {
      await connected;
      return connection.subscribe(channel, listener);
    },
    unsubscribe: async (channel) => {
      await connected;
      return connection.unsubscribe(channel);
    },
    close: async () => {
      closing = true;
      try {
        if (!connection.isReady) await connection.disconnect();
        else await (connection.close ? connection.close() : connection.quit());
      } catch {
        // Already closed or never connected: nothing left to release.
      }
    },
  };
}
