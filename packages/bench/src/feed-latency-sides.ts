import type { IncomingMessage, ServerResponse } from "node:http";
import { createFeed, redisFeedStore } from "@switchboard/sse";
import type { Redis } from "@upstash/redis";
import { z } from "zod";
import { listen } from "./listen";

const schema = z.object({ title: z.string() });

/** One side of the latency bench: an SSE server whose streams are `GET /feed?recipient=…`. */
export interface LatencySide {
  url: string;
  /** What a stream sends once it is watching for pushes (the child waits for it on every stream). */
  marker: string;
  /** Resolves once the side can hear pushes from another process (its subscription, if any, is live). */
  listening(): Promise<void>;
  /** Redis commands its streams sent because of pushes (polls and opening not counted). */
  commands: number;
  /** Resolves once every stream the child opened has closed on this side. */
  drained(): Promise<void>;
  /** Ends the round (the limit drops its subscription). */
  endRound(): void;
  close(): Promise<void>;
}

const recipientOf = (req: IncomingMessage) =>
  new URL(req.url ?? "/", "http://x").searchParams.get("recipient") ?? "anon";

/** Open responses of a server, so a round can wait for the previous round's to close. */
function openResponses() {
  let open = 0;
  const empty: (() => void)[] = [];
  return {
    track(res: ServerResponse) {
      open++;
      res.once("close", () => {
        if (--open === 0) for (const done of empty.splice(0)) done();
      });
    },
    drained: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => empty.push(resolve))),
  };
}

const sseHead = (res: ServerResponse) =>
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });

/** `@switchboard/sse`'s feed on node:http (`feed.streamNode`): pub/sub (default) or `pubsub: false`. */
export async function subjectSide(options: {
  redis: Redis;
  prefix: string;
  pubsub: boolean;
  pollMs: number;
}): Promise<LatencySide> {
  // The store's subscription, observed: the client's Subscriber says when Redis confirmed it.
  let subscribed: Promise<void> = Promise.resolve();
  const observed: Redis = Object.assign(Object.create(options.redis), {
    subscribe: (channels: string | string[]) => {
      const subscriber = options.redis.subscribe(channels);
      subscribed = new Promise<void>((resolve) => subscriber.on("subscribe", () => resolve()));
      return subscriber;
    },
  });
  const side = { commands: 0 };
  const store = redisFeedStore({
    redis: observed,
    prefix: options.prefix,
    pubsub: options.pubsub,
    // The shared poll (its `versions` read) is the idle cost, measured by feed.idleCommandsPerSec;
    // opening a stream (a `since` read) happens before the pushes, when the counter is reset.
    onCommand: (_name, count, step) => {
      if (step !== "versions" && step !== "subscribe") side.commands += count;
    },
  });
  const feed = createFeed({ schema, store, pollIntervalMs: options.pollMs, maxItems: 50 });
  const responses = openResponses();
  const server = await listen((req, res) => {
    responses.track(res);
    feed.streamNode(req, res, { recipient: recipientOf(req) });
  });
  return Object.assign(side, {
    url: server.url,
    marker: "event: unread",
    listening: () => (options.pubsub ? subscribed : Promise.resolve()),
    drained: responses.drained,
    endRound: () => {},
    close: server.close,
  });
}

/**
 * The seed's design, as a small faithful model: a raw SSE response per stream, and per stream a
 * timer that reads its recipient's newest items over the REST endpoint every `intervalMs` (the
 * first at a random phase: connections arrive at random times). It reads the store's own keys:
 * `ZRANGE ids (last +inf BYSCORE`, then `HMGET data` for the ids it found.
 */
export async function seedSide(options: {
  redis: Redis;
  prefix: string;
  intervalMs: number;
}): Promise<LatencySide> {
  const { redis, prefix, intervalMs } = options;
  const side = { commands: 0 };
  const responses = openResponses();
  const server = await listen((req, res) => {
    responses.track(res);
    const recipient = recipientOf(req);
    sseHead(res);
    res.write(": open\n\n");
    // Every round streams to fresh recipients: nothing to skip at open.
    let last = 0;
    const poll = async () => {
      const ids = await redis
        .zrange<number[]>(`${prefix}:${recipient}:ids`, `(${last}`, "+inf", { byScore: true })
        .catch(() => [] as number[]);
      if (ids.length === 0 || res.destroyed) return;
      side.commands++;
      const items = await redis
        .hmget<Record<string, unknown>>(`${prefix}:${recipient}:data`, ...ids.map(String))
        .catch(() => null);
      for (const id of ids) {
        const item = items?.[String(id)];
        if (item === undefined || item === null) continue;
        last = Math.max(last, Number(id));
        res.write(`event: notification\ndata: ${JSON.stringify(item)}\n\n`);
      }
    };
    let every: ReturnType<typeof setInterval> | undefined;
    const first = setTimeout(() => {
      void poll();
      every = setInterval(() => void poll(), intervalMs);
    }, Math.random() * intervalMs);
    res.once("close", () => {
      clearTimeout(first);
      clearInterval(every);
    });
  });
  return Object.assign(side, {
    url: server.url,
    marker: ": open",
    listening: () => Promise.resolve(),
    drained: responses.drained,
    endRound: () => {},
    close: server.close,
  });
}

/**
 * The limit: ONE Redis `SUBSCRIBE` (over the REST endpoint) to the store's change channel, each
 * message's item relayed as is to the raw SSE responses of its recipient. No reads, no
 * bookkeeping: the minimum any design that hears another process's pushes can do. Subscribes
 * per round (`listening`) and drops the subscription at `endRound`.
 */
export async function limitSide(options: { redis: Redis; prefix: string }): Promise<LatencySide> {
  const byRecipient = new Map<string, Set<ServerResponse>>();
  const responses = openResponses();
  let unsubscribe = () => {};
  const server = await listen((req, res) => {
    responses.track(res);
    const recipient = recipientOf(req);
    const set = byRecipient.get(recipient) ?? new Set<ServerResponse>();
    byRecipient.set(recipient, set);
    set.add(res);
    res.once("close", () => {
      set.delete(res);
      if (set.size === 0) byRecipient.delete(recipient);
    });
    sseHead(res);
    res.write(": open\n\n");
  });
  return {
    url: server.url,
    marker: ": open",
    commands: 0,
    listening() {
      const subscriber = options.redis.subscribe<{ r?: unknown; i?: unknown }>(`${options.prefix}:changes`);
      subscriber.on("message", ({ message }) => {
        const set = typeof message.r === "string" ? byRecipient.get(message.r) : undefined;
        if (!set || message.i === undefined) return;
        const event = `event: notification\ndata: ${JSON.stringify(message.i)}\n\n`;
        for (const res of set) res.write(event);
      });
      subscriber.on("error", () => {});
      unsubscribe = () => void subscriber.unsubscribe().catch(() => {});
      return new Promise<void>((resolve) => subscriber.on("subscribe", () => resolve()));
    },
    drained: responses.drained,
    endRound: () => unsubscribe(),
    close: server.close,
  };
}
