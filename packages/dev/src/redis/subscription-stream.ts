import type { ServerResponse } from "node:http";
import type { Redis } from "ioredis";

/** `subscribe` for `/subscribe/{channel…}`, `psubscribe` for `/psubscribe/{pattern…}`. */
export type SubscriptionKind = "subscribe" | "psubscribe";

/**
 * Streams a Redis (pattern) subscription to `res` as Server-Sent Events, in the line format
 * Upstash uses (`data: subscribe,chat,1`, `data: message,chat,hello`,
 * `data: pmessage,chat*,chat1,hello`), on a connection of its own: a subscribed connection can
 * run nothing else. That connection is tracked in `live` and given back the moment the client
 * leaves, even while Redis has not yet confirmed the subscription, so hang-ups never leak one.
 *
 * @example
 * ```ts
 * import { streamSubscription } from "./subscription-stream";
 * await streamSubscription(redis, res, "subscribe", ["chat"], live);
 * ```
 */
export async function streamSubscription(
  redis: Redis,
  res: ServerResponse,
  kind: SubscriptionKind,
  channels: string[],
  live: Set<Redis>,
): Promise<void> {
  const subscriber = redis.duplicate();
  live.add(subscriber);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    live.delete(subscriber);
    subscriber.disconnect();
  };
  // Listen before the first await: a client that hangs up while Redis is still confirming the
  // subscription must still release the connection (it leaked one per hang-up before).
  res.once("close", release);
  if (res.destroyed || res.socket?.destroyed !== false) {
    release();
    return;
  }
  // The connection reconnects on its own; an error here must not reach the process.
  subscriber.on("error", () => {});

  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
  });
  res.flushHeaders();
  const line = (data: string) => {
    if (!released) res.write(`data: ${data}\n\n`);
  };
  subscriber.on("message", (channel: string, message: string) => line(`message,${channel},${message}`));
  subscriber.on("pmessage", (pattern: string, channel: string, message: string) =>
    line(`pmessage,${pattern},${channel},${message}`),
  );
  let count: number;
  try {
    count =
      kind === "subscribe"
        ? ((await subscriber.subscribe(...channels)) as number)
        : ((await subscriber.psubscribe(...channels)) as number);
  } catch {
    // The client left (release() closed the connection) or Redis refused: end the stream.
    release();
    res.end();
    return;
  }
  for (const channel of channels) line(`${kind},${channel},${count}`);
}
