import type { RedisDriver } from "./redis-driver";
import { decodeRedisReply } from "./redis-reply";
import { WireError } from "./wire-error";

/** One subscribed connection of a TCP client (a duplicate of the user's), as the hub drives it. */
export interface SubscriberConnection {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** Closes it for good (QUIT when connected, else a hard disconnect); never rejects. */
  close(): Promise<void>;
}

/** What a connection reports back: each message as Redis sent it, every error or drop, each (re)connect. */
export interface SubscriberEvents {
  message(channel: string, message: string): void;
  error(error: unknown): void;
  ready(): void;
}

type Subscribe = NonNullable<RedisDriver["subscribe"]>;

interface Listener {
  onMessage(message: unknown): void;
  onError: ((error: unknown) => void) | undefined;
}

/**
 * The `subscribe` of a TCP driver: every subscription of the driver shares one connection, opened
 * by `open` on the first subscription and closed when the last one unsubscribes; one SUBSCRIBE
 * per channel however many listen to it. A SUBSCRIBE that fails (Redis was down) is reported and
 * sent again when the connection is next ready, as the clients do for the channels they hold.
 * Listener code that throws goes to its `onError` (and an `onError` that throws is dropped):
 * nothing a listener does can reach the client's event emitter, where it would crash the process.
 *
 * @example
 * ```ts
 * import { subscriberHub } from "./redis-subscriber";
 * const subscribe = subscriberHub((events) => openDuplicate(events));
 * const stop = subscribe("news", (m) => console.log(m), (e) => console.warn(e));
 * ```
 */
export function subscriberHub(open: (events: SubscriberEvents) => SubscriberConnection): Subscribe {
  let connection: SubscriberConnection | undefined;
  const channels = new Map<string, Set<Listener>>();
  // Channels whose SUBSCRIBE failed on the current connection, sent again on its next 'ready'.
  const failed = new Set<string>();

  const deliver = (channel: string, raw: string) => {
    const listeners = channels.get(channel);
    if (!listeners) return;
    const message = decodeRedisReply(raw);
    for (const listener of [...listeners]) {
      try {
        listener.onMessage(message);
      } catch (error) {
        report(listener, error);
      }
    }
  };
  const broadcast = (error: unknown) => {
    for (const listeners of channels.values()) for (const listener of [...listeners]) report(listener, error);
  };
  const subscribeOn = (current: SubscriberConnection, channel: string) => {
    current.subscribe(channel).catch((error: unknown) => {
      const listeners = channels.get(channel);
      if (connection !== current || !listeners) return;
      failed.add(channel);
      for (const listener of [...listeners]) report(listener, error);
    });
  };
  const ready = () => {
    const current = connection;
    if (!current) return;
    const retry = [...failed];
    failed.clear();
    for (const channel of retry) if (channels.has(channel)) subscribeOn(current, channel);
  };

  return (channel, onMessage, onError) => {
    checkSubscription(channel, onMessage);
    connection ??= open({ message: deliver, error: broadcast, ready });
    const current = connection;
    const listener: Listener = { onMessage, onError };
    let listeners = channels.get(channel);
    if (!listeners) {
      listeners = new Set<Listener>();
      channels.set(channel, listeners);
      subscribeOn(current, channel);
    }
    listeners.add(listener);
    const own = listeners;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      own.delete(listener);
      if (own.size > 0 || channels.get(channel) !== own) return;
      channels.delete(channel);
      failed.delete(channel);
      if (channels.size > 0) {
        current.unsubscribe(channel).catch(() => {});
      } else if (connection === current) {
        connection = undefined;
        failed.clear();
        void current.close();
      }
    };
  };
}

function report(listener: Listener, error: unknown): void {
  try {
    listener.onError?.(error);
  } catch {
    // An error handler that throws has nowhere left to report to.
  }
}

/** Refuses a subscription no Redis could serve, before any connection is opened. */
export function checkSubscription(channel: unknown, onMessage: unknown): void {
  if (typeof channel !== "string" || channel === "")
    throw new WireError("channel", 'subscribe: channel must be a non-empty string, e.g. "sb:feed:u_1".');
  if (typeof onMessage !== "function")
    throw new WireError("onMessage", "subscribe: onMessage must be a function, called with each message.");
}
