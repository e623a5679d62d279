import type { IncomingMessage, ServerResponse } from "node:http";
import { createSwitchboard } from "@switchboard/core";
import { toNodeHandler } from "@switchboard/core/node";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type DevServer, startDevServer } from "./start-dev-server";
import { startRouteServer } from "./testing/route-server";

// Digests end to end over real HTTP: two app instances (two route servers) behind one public URL
// (a round-robin proxy, as a load balancer would be), the dev server delivering, and the digest
// state in process memory or in the real Redis at 127.0.0.1:6379 through the dev server's Upstash
// REST endpoint. No Redis: startDevServer rejects and every test fails, never skips.
let dev: DevServer;
let redis: Redis;
const run = `sbtest-${crypto.randomUUID()}`;

beforeAll(async () => {
  dev = await startDevServer({
    port: 0,
    speed: 100,
    quiet: true,
    redisUrl: "redis://127.0.0.1:6379",
    redisPort: 0,
  });
  redis = new Redis({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
});
afterAll(async () => {
  const keys = await redis.keys(`${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  await dev.close();
});

const schema = z.object({ userId: z.string(), n: z.number(), author: z.string() });
type Comment = z.output<typeof schema>;

interface Observed {
  /** Every digest the email handler was delivered (after it succeeded). */
  digests: { key: string; events: Comment[] }[];
  /** Every attempt of the email handler. */
  attempts: number;
  inApp: number[];
}

/** One app instance: its own switchboard and route server, sharing the public URL and the state. */
async function startInstance(publicUrl: string, store: "memory" | "redis", observed: Observed, name: string) {
  const server = await startRouteServer();
  const sb = createSwitchboard({
    url: publicUrl,
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
    logger: { warn: () => {}, error: () => {} }, // the failures are the point of this test
    ...(store === "redis" ? { redis } : {}),
  });
  const comments = sb.createChannel({
    name,
    schema,
    retryDelay: "1000", // 1 s between attempts (10 ms at speed 100)
    subscribers: {
      inApp: async (event) => void observed.inApp.push(event.n),
      email: {
        digest: { key: (event) => event.userId, window: "10m", max: 50, prefix: run },
        handler: async (events, ctx) => {
          observed.attempts++;
          if (ctx.attempt === 1) throw new Error("the mail provider is down");
          observed.digests.push({ key: ctx.key, events });
          return { sent: events.length };
        },
      },
    },
  });
  server.mount("/api/switchboard", toNodeHandler(sb.handler({ channels: [comments] })));
  return { server, comments };
}

/** A load balancer: each request to the next instance; `loseAnswer` drops one answer after the instance ran. */
async function startBalancer(loseAnswer: (url: string, messageId: string | undefined) => boolean) {
  const front = await startRouteServer();
  let instances: string[] = [];
  let turn = 0;
  front.mount("/api/switchboard", async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && key !== "host" && key !== "connection") headers.set(key, value);
    }
    const target = `${instances[turn++ % instances.length]}${req.url}`;
    const answer = await fetch(target, { method: req.method, headers, body: Buffer.concat(chunks) });
    const body = Buffer.from(await answer.arrayBuffer());
    if (loseAnswer(req.url ?? "", req.headers["upstash-message-id"] as string | undefined)) {
      // The instance appended the event, but its answer never reached QStash: QStash retries.
      res.writeHead(502).end("answer lost");
      return;
    }
    res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(body);
  });
  return {
    front,
    url: `${front.origin}/api/switchboard`,
    route(urls: string[]) {
      instances = urls;
    },
  };
}

/** The dev server's log, newest first. */
async function events(server: DevServer = dev): Promise<{ messageId: string; state: string; url: string }[]> {
  const answer = await fetch(`${server.url}/v2/events?count=1000`, {
    headers: { Authorization: `Bearer ${server.token}` },
  });
  return ((await answer.json()) as { events: { messageId: string; state: string; url: string }[] }).events;
}

/** Resolves once every message the dev server knows of is delivered, failed or cancelled. */
async function settled(server: DevServer = dev): Promise<void> {
  await expect
    .poll(
      async () => {
        const latest = new Map<string, string>();
        for (const event of await events(server))
          if (!latest.has(event.messageId)) latest.set(event.messageId, event.state);
        return [...latest.values()].filter((state) => !["DELIVERED", "FAILED", "CANCELED"].includes(state));
      },
      { timeout: 15_000, interval: 100 },
    )
    .toEqual([]);
}

describe.each(["memory", "redis"] as const)("digests through the dev server, state in %s", (store) => {
  it("two instances publishing 15 comments at once, an answer lost and a failing first attempt: exactly one digest of all 15", {
    timeout: 40_000,
  }, async () => {
    const observed: Observed = { digests: [], attempts: 0, inApp: [] };
    const name = `comments-${store}`;
    let lost = 0;
    // The 8th email delivery to reach the balancer runs, but its answer is lost.
    let emailDeliveries = 0;
    const balancer = await startBalancer((url) => {
      if (!url.endsWith("subscriber=email")) return false;
      if (++emailDeliveries !== 8) return false;
      lost++;
      return true;
    });
    const a = await startInstance(balancer.url, store, observed, name);
    const b = await startInstance(balancer.url, store, observed, name);
    balancer.route([a.server.origin, b.server.origin]);
    try {
      const comment = (n: number) => ({ userId: "u_1", n, author: `user ${n}` });
      await Promise.all(
        Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? a : b).comments.publish(comment(i + 1))),
      );
      // The window is 10 minutes: 6 s at speed 100.
      await expect.poll(() => observed.digests.length, { timeout: 20_000, interval: 50 }).toBe(1);
      await settled();

      expect(lost).toBe(1);
      expect(observed.digests).toHaveLength(1);
      const [digest] = observed.digests;
      expect(digest?.key).toBe("u_1");
      expect(digest?.events.map((e) => e.n).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 15 }, (_, i) => i + 1),
      );
      expect(observed.attempts).toBe(2); // failed once, retried once
      // Both instances opened or joined the bucket; the deduplication id let one flush through.
      const flushes = new Set(
        (await events())
          .filter((e) => e.url.includes(`channel=${name}&subscriber=email&flush=1`))
          .map((e) => e.messageId),
      );
      expect(flushes.size).toBe(1);
      expect(observed.inApp.sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      if (store === "redis") {
        // Delivered: the bucket is gone; what is left (retry markers) expires.
        const keys = await redis.keys(`${run}:{${name}:email:u_1}*`);
        expect(keys.every((key) => key.includes(":m:"))).toBe(true);
        for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all([a.server.close(), b.server.close(), balancer.front.close()]);
    }
  });
});

describe.each(["memory", "redis"] as const)("debounce through the dev server, state in %s", (store) => {
  // Real time (speed 1): the route times a debounce by its own clock, the dev server its delays.
  let slow: DevServer;
  beforeAll(async () => {
    slow = await startDevServer({ port: 0, quiet: true });
  });
  afterAll(() => slow.close());

  it("delivers a burst once, after the key went quiet", { timeout: 30_000 }, async () => {
    const server = await startRouteServer();
    const received: number[][] = [];
    const sb = createSwitchboard({
      url: `${server.origin}/api/switchboard`,
      qstash: { token: slow.token, baseUrl: slow.url },
      signingKeys: slow.signingKeys,
      ...(store === "redis" ? { redis } : {}),
    });
    const edits = sb.createChannel({
      name: `edits-${store}`,
      schema,
      subscribers: {
        sms: {
          debounce: { key: (event) => event.userId, wait: "1s", maxWait: "1m", prefix: run },
          handler: async (events) => void received.push(events.map((e) => e.n)),
        },
      },
    });
    server.mount("/api/switchboard", toNodeHandler(sb.handler({ channels: [edits] })));
    try {
      for (const n of [1, 2, 3, 4, 5]) await edits.publish({ userId: "u_2", n, author: "Ada" });
      await expect.poll(() => received, { timeout: 20_000, interval: 100 }).toHaveLength(1);
      await settled(slow);
      expect(received).toHaveLength(1);
      expect(received[0]?.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await server.close();
    }
  });
});
