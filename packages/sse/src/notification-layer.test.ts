import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createSwitchboard, skippedSubscribers } from "@switchboard/core";
import { toNodeHandler } from "@switchboard/core/node";
import { type DevServer, startDevServer } from "@switchboard/dev";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis as TcpRedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createFeed } from "./create-feed";
import type { FeedStore } from "./feed-store";
import { memoryFeedStore } from "./memory-feed-store";
import { redisFeedStore } from "./redis-feed-store";

// Issue 17's acceptance check, end to end over real HTTP: fifteen comment events for one user
// within a window give exactly one digest email carrying all fifteen, one grouped feed item naming
// the actors, and nothing for a subscriber the user muted — with two app instances publishing at
// once and a delivery retried in the middle. Two instances sit behind one public URL (a
// round-robin balancer), the dev server delivers, and the state (digest buckets, preferences, the
// feed) lives in process memory, in Redis through the Upstash REST API, or in plain Redis over TCP.
// No Redis: startDevServer rejects and every test fails, never skips.
let dev: DevServer;
let upstash: UpstashRedis;
let tcp: TcpRedis;
const run = `sbtest-${crypto.randomUUID()}`;

beforeAll(async () => {
  dev = await startDevServer({
    port: 0,
    speed: 100,
    quiet: true,
    redisUrl: "redis://127.0.0.1:6379",
    redisPort: 0,
  });
  upstash = new UpstashRedis({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
  tcp = new TcpRedis("redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 });
  await tcp.connect();
});
afterAll(async () => {
  if (tcp) {
    const keys = await tcp.keys(`${run}*`);
    if (keys.length > 0) await tcp.del(...keys);
    tcp.disconnect();
  }
  await dev?.close();
});

const comment = z.object({
  userId: z.string(),
  taskId: z.string(),
  author: z.object({ id: z.string(), name: z.string() }),
  text: z.string(),
});
type Comment = z.output<typeof comment>;
const authors = ["Ada", "Bob", ...Array.from({ length: 13 }, (_, i) => `Person ${i + 1}`)];

type StateKind = "memory" | "redis-rest" | "redis-tcp";

/** What the subscribers did, across both instances. */
interface Observed {
  emails: { to: string; events: Comment[] }[];
  emailAttempts: number;
  sms: Comment[];
}

function clientFor(kind: StateKind) {
  return kind === "redis-rest" ? upstash : kind === "redis-tcp" ? tcp : undefined;
}

/** One app instance: its own switchboard, feed object and HTTP server, sharing URL and state. */
async function startInstance(kind: StateKind, publicUrl: string, feedStore: FeedStore, observed: Observed) {
  const redis = clientFor(kind);
  const sb = createSwitchboard({
    url: publicUrl,
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
    logger: { warn: () => {}, error: () => {} }, // the failures are the point of this test
    ...(redis ? { redis } : {}),
  });
  const feed = createFeed({ schema: comment, store: feedStore });
  const comments = sb.createChannel({
    name: `comments-${kind}`,
    schema: comment,
    retryDelay: "1000", // 10 ms at speed 100
    subscribers: {
      inApp: async (event, ctx) =>
        void (await feed.push(event.userId, event, {
          groupKey: `task:${event.taskId}`,
          actor: event.author,
          category: "comments",
          dedupeKey: ctx.messageId, // a retried delivery pushes once
        })),
      email: {
        digest: { key: (event) => event.userId, window: "10m", max: 50, prefix: `${run}:digest` },
        handler: async (events, ctx) => {
          observed.emailAttempts++;
          if (ctx.attempt === 1) throw new Error("the mail provider is down");
          observed.emails.push({ to: ctx.key, events });
        },
      },
      sms: async (event) => void observed.sms.push(event),
    },
    preferences: {
      recipient: (event) => event.userId,
      category: "comments",
      prefix: `${run}:prefs:${kind}`,
      categories: { comments: { defaults: { sms: true } } },
    },
  });
  const handle = toNodeHandler(sb.handler({ channels: [comments] }));
  const server = await listen((req, res) => void handle(req, res));
  return { server, comments, feed };
}

describe.each<StateKind>(["memory", "redis-rest", "redis-tcp"])(
  "the notification layer, state in %s",
  (kind) => {
    it("15 comments from two instances at once, an answer lost, a failed first attempt: one digest email, one grouped item naming the actors, nothing for the muted SMS", {
      timeout: 60_000,
    }, async () => {
      const observed: Observed = { emails: [], emailAttempts: 0, sms: [] };
      const feedStore =
        kind === "memory"
          ? memoryFeedStore()
          : redisFeedStore({ redis: clientFor(kind)!, prefix: `${run}:feed:${kind}`, pubsub: false });
      let emailDeliveries = 0;
      let inAppDeliveries = 0;
      let lost = 0;
      // The 8th email and the 5th in-app delivery run, but their answers never reach QStash: it
      // retries them, and neither the digest nor the group may count that event twice.
      const balancer = await startBalancer((url) => {
        const lose =
          (url.endsWith("subscriber=email") && ++emailDeliveries === 8) ||
          (url.endsWith("subscriber=inApp") && ++inAppDeliveries === 5);
        if (lose) lost++;
        return lose;
      });
      const a = await startInstance(kind, balancer.url, feedStore, observed);
      const b = await startInstance(kind, balancer.url, feedStore, observed);
      balancer.route([a.server.origin, b.server.origin]);
      try {
        const user = `u-${crypto.randomUUID()}`;
        // The user muted SMS for comments (in the app's settings page). Memory is per process:
        // there each instance keeps its own, so the setting is made on both.
        await b.comments.preferences.set(user, { comments: { sms: false } });
        if (kind === "memory") await a.comments.preferences.set(user, { comments: { sms: false } });

        const sent = await Promise.all(
          authors.map((name, i) =>
            (i % 2 === 0 ? a : b).comments.publish({
              userId: user,
              taskId: "234",
              author: { id: `user-${i}`, name },
              text: `comment ${i + 1}`,
            }),
          ),
        );
        for (const result of sent) {
          expect(Object.keys(result).sort()).toEqual(["email", "inApp"]);
          expect(skippedSubscribers(result)).toMatchObject({ sms: { reason: "muted" } });
        }

        // The digest window is 10 minutes: 6 s at speed 100.
        await expect.poll(() => observed.emails.length, { timeout: 30_000, interval: 50 }).toBe(1);
        await settled();

        expect(lost).toBe(2);
        const [email] = observed.emails;
        expect(email?.to).toBe(user);
        expect(email?.events.map((e) => e.text).sort()).toEqual(
          authors.map((_, i) => `comment ${i + 1}`).sort(),
        );
        expect(observed.emailAttempts).toBe(2); // failed once, retried once, sent once
        expect(observed.sms).toEqual([]);
        // Not one message was even sent to QStash for the muted subscriber.
        expect(
          (await devEvents()).filter((e) => e.url.includes(`channel=comments-${kind}&subscriber=sms`)),
        ).toEqual([]);

        const page = await a.feed.list(user);
        expect(page.items).toHaveLength(1);
        const [group] = page.items;
        expect(group?.count).toBe(15);
        expect(group?.actorCount).toBe(15);
        expect(group?.actors).toHaveLength(5);
        expect(new Set(group?.actors.map((actor) => actor.id)).size).toBe(5);
        expect(group?.actors.every((actor) => authors.includes(actor.name ?? ""))).toBe(true);
        expect(group?.grouped).toHaveLength(10);
        expect(group?.category).toBe("comments");
        expect(page.counts).toMatchObject({ total: 1, unseen: 1, unread: 1, archived: 0 });
        const names = group!.actors.map((actor) => actor.name);
        const line = `${names.slice(0, 2).join(", ")} and ${group!.actorCount - 2} others commented on Task #234`;
        expect(line).toMatch(/^[\w ]+, [\w ]+ and 13 others commented on Task #234$/);
      } finally {
        await Promise.all([a.server.close(), b.server.close(), balancer.front.close()]);
      }
    });
  },
);

/** A `node:http` server on 127.0.0.1 and an OS port. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A load balancer: each request to the next instance; `loseAnswer` drops one answer after the instance ran. */
async function startBalancer(loseAnswer: (url: string) => boolean) {
  let instances: string[] = [];
  let turn = 0;
  const front = await listen(async (req, res) => {
    try {
      await forward(req, res);
    } catch {
      // An instance closed mid-request (the test is ending): QStash sees a failed delivery.
      if (!res.headersSent) res.writeHead(502);
      res.end();
    }
  });
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && key !== "host" && key !== "connection") headers.set(key, value);
    }
    const answer = await fetch(`${instances[turn++ % instances.length]}${req.url}`, {
      method: req.method,
      headers,
      body: Buffer.concat(chunks),
    });
    const body = Buffer.from(await answer.arrayBuffer());
    if (loseAnswer(req.url ?? "")) {
      res.writeHead(502).end("answer lost");
      return;
    }
    res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(body);
  };
  return {
    front,
    url: `${front.origin}/api/switchboard`,
    route(urls: string[]) {
      instances = urls;
    },
  };
}

/** The dev server's log (QStash's `/v2/events`), newest first. */
async function devEvents(): Promise<{ messageId: string; state: string; url: string }[]> {
  const answer = await fetch(`${dev.url}/v2/events?count=1000`, {
    headers: { Authorization: `Bearer ${dev.token}` },
  });
  return ((await answer.json()) as { events: { messageId: string; state: string; url: string }[] }).events;
}

/** Resolves once every message the dev server knows of is delivered, failed or cancelled. */
async function settled(): Promise<void> {
  await expect
    .poll(
      async () => {
        const latest = new Map<string, string>();
        for (const event of await devEvents())
          if (!latest.has(event.messageId)) latest.set(event.messageId, event.state);
        return [...latest.values()].filter((state) => !["DELIVERED", "FAILED", "CANCELED"].includes(state));
      },
      { timeout: 20_000, interval: 100 },
    )
    .toEqual([]);
}
