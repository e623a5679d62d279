import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { createSwitchboard, SwitchboardError, skippedSubscribers } from "@switchboard/core";
import { toNodeHandler } from "@switchboard/core/node";
import { Redis } from "@upstash/redis";
import { Redis as TcpRedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type DevServer, startDevServer } from "./start-dev-server";
import { type RouteServer, startRouteServer } from "./testing/route-server";

// Channel preferences end to end, once in memory and once in the real Redis at 127.0.0.1:6379
// (through this dev server's Upstash REST endpoint): the same suite, so both keep the same
// semantics. Publishing goes over real HTTP: publish → dev server (QStash) → node:http → route →
// handlers. Without Redis, startDevServer rejects and every test fails: nothing here skips.
let dev: DevServer;
let server: RouteServer;
let redis: Redis;
let tcp: TcpRedis;
const run = `sbtest:${randomUUID()}`;
const delivered: string[] = [];

beforeAll(async () => {
  dev = await startDevServer({
    port: 0,
    speed: 1000,
    quiet: true,
    redisUrl: "redis://127.0.0.1:6379",
    redisPort: 0,
  });
  server = await startRouteServer();
  redis = new Redis({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
  // Plain Redis over TCP, as on a long-running server: the same suite must hold on it.
  tcp = new TcpRedis("redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 });
  await tcp.connect();
});
afterAll(async () => {
  if (redis) {
    const keys = await redis.keys(`${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  tcp?.disconnect();
  await server?.close();
  await dev?.close();
});

const schema = z.object({ userId: z.string(), kind: z.string(), title: z.string() });

// Each kind under its own prefix: both Redis kinds reach the same server, and a suite must not
// start from the state the other left.
function buildApp(kind: "memory" | "redis" | "redis-tcp", prefix = `${run}:${kind}:prefs`) {
  const path = `/api/${kind}-${randomUUID()}`;
  const sb = createSwitchboard({
    url: `${server.origin}${path}`,
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
    ...(kind === "redis" ? { redis } : kind === "redis-tcp" ? { redis: tcp } : {}),
  });
  const record = (subscriber: string) => async (event: z.infer<typeof schema>) =>
    void delivered.push(`${path}:${subscriber}:${event.userId}:${event.title}`);
  const subscribers = { email: record("email"), sms: record("sms"), inApp: record("inApp") };
  const notify = sb.createChannel({
    name: "notify",
    schema,
    subscribers,
    preferences: {
      recipient: (event) => event.userId,
      category: (event) => event.kind,
      prefix,
      categories: {
        comments: { label: "Comments", defaults: { sms: false } },
        mentions: {},
        security: { label: "Security", critical: true },
      },
    },
  });
  // A second channel of the same app: a "security" category that is not critical here, and
  // "digest" that notify does not have. Same prefix, so same-named settings are shared.
  const weekly = sb.createChannel({
    name: "weekly",
    schema,
    subscribers: { email: record("weekly-email"), sms: record("weekly-sms") },
    preferences: {
      recipient: (event) => event.userId,
      category: (event) => event.kind,
      prefix,
      categories: { security: {}, digest: { defaults: { sms: false } }, comments: {} },
    },
  });
  server.mount(path, toNodeHandler(sb.handler({ channels: [notify, weekly] })));
  const deliveredTo = (userId: string) =>
    delivered
      .filter((line) => line.startsWith(`${path}:`) && line.split(":")[2] === userId)
      .map((line) => line.split(":")[1])
      .sort();
  return { sb, notify, weekly, path, deliveredTo };
}

/**
 * Every message the dev server (QStash) was given for `path`, and for `userId` when given, as
 * subscriber names: what could ever be delivered.
 */
async function messagesTo(path: string, userId?: string): Promise<string[]> {
  const response = await fetch(`${dev.url}/v2/events?count=1000&state=CREATED`, {
    headers: { Authorization: `Bearer ${dev.token}` },
  });
  const { events } = (await response.json()) as { events: { url: string; body?: string }[] };
  return events
    .filter((event) => new URL(event.url).pathname === path)
    .filter(
      (event) =>
        userId === undefined ||
        JSON.parse(Buffer.from(event.body ?? "", "base64").toString("utf8")).userId === userId,
    )
    .map((event) => new URL(event.url).searchParams.get("subscriber") ?? "")
    .sort();
}

const on = { email: true, sms: true, inApp: true };

describe.each(["memory", "redis", "redis-tcp"] as const)("channel preferences (%s)", (kind) => {
  let app: ReturnType<typeof buildApp>;
  beforeAll(() => {
    app = buildApp(kind);
  });

  it("resolves every category × subscriber: stored, else the default, else on; critical always on", async () => {
    expect(await app.notify.preferences.get("fresh")).toEqual({
      comments: { email: true, sms: false, inApp: true },
      mentions: on,
      security: on,
    });
    expect(app.notify.preferences.categories).toEqual([
      { name: "comments", label: "Comments", critical: false },
      { name: "mentions", label: "mentions", critical: false },
      { name: "security", label: "Security", critical: true },
    ]);
  });

  it("set changes only what it names, and answers the result", async () => {
    const first = await app.notify.preferences.set("u_set", { comments: { sms: true, email: false } });
    expect(first.comments).toEqual({ email: false, sms: true, inApp: true });
    const second = await app.notify.preferences.set("u_set", { mentions: { inApp: false } });
    expect(second).toEqual({
      comments: { email: false, sms: true, inApp: true },
      mentions: { email: true, sms: true, inApp: false },
      security: on,
    });
    expect(await app.notify.preferences.get("u_set")).toEqual(second);
    // Setting a value equal to the default is still the recipient's choice, kept if defaults change.
    await app.notify.preferences.set("u_set", { comments: { sms: false } });
    expect((await app.notify.preferences.get("u_set")).comments.sms).toBe(false);
  });

  it("set is all or nothing: a refused change stores none of the others", async () => {
    await expect(
      app.notify.preferences.set("u_atomic", { comments: { email: false }, security: { email: false } }),
    ).rejects.toThrow('category "security" is critical, so it cannot be muted');
    expect((await app.notify.preferences.get("u_atomic")).comments.email).toBe(true);
  });

  it("concurrent sets of different settings all stick", async () => {
    await Promise.all([
      app.notify.preferences.set("u_race", { comments: { email: false } }),
      app.notify.preferences.set("u_race", { comments: { inApp: false } }),
      app.notify.preferences.set("u_race", { mentions: { sms: false } }),
      app.notify.preferences.set("u_race", { mentions: { email: false } }),
    ]);
    expect(await app.notify.preferences.get("u_race")).toEqual({
      comments: { email: false, sms: false, inApp: false },
      mentions: { email: false, sms: false, inApp: true },
      security: on,
    });
  });

  it("reset forgets one category, or every category of the channel", async () => {
    await app.notify.preferences.set("u_reset", {
      comments: { email: false, sms: true },
      mentions: { inApp: false },
    });
    const afterOne = await app.notify.preferences.reset("u_reset", "comments");
    expect(afterOne.comments).toEqual({ email: true, sms: false, inApp: true });
    expect(afterOne.mentions.inApp).toBe(false);
    expect(await app.notify.preferences.reset("u_reset")).toEqual(await app.notify.preferences.get("fresh"));
  });

  it("shares a setting with another channel that has the same category and subscriber", async () => {
    await app.weekly.preferences.set("u_shared", { comments: { email: false }, digest: { sms: true } });
    expect((await app.notify.preferences.get("u_shared")).comments).toEqual({
      email: false,
      sms: false,
      inApp: true,
    });
    // notify knows nothing of "digest", and resetting notify leaves weekly's own categories alone.
    expect(Object.keys(await app.notify.preferences.get("u_shared"))).toEqual([
      "comments",
      "mentions",
      "security",
    ]);
    await app.notify.preferences.reset("u_shared");
    expect(await app.weekly.preferences.get("u_shared")).toEqual({
      security: { email: true, sms: true },
      digest: { email: true, sms: true },
      comments: { email: true, sms: true },
    });
  });

  it("keeps channels with another prefix apart", async () => {
    const other = buildApp(kind, `${run}:${kind}:other-prefs`);
    await app.notify.preferences.set("u_prefix", { mentions: { email: false } });
    expect((await other.notify.preferences.get("u_prefix")).mentions.email).toBe(true);
  });

  it("publish: a muted subscriber gets nothing delivered, the others do", async () => {
    await app.notify.preferences.set("u_pub", { comments: { email: false } });
    const sent = await app.notify.publish({ userId: "u_pub", kind: "comments", title: "New comment" });
    expect(Object.keys(sent)).toEqual(["inApp"]);
    expect(skippedSubscribers(sent)).toEqual({
      email: { reason: "muted", recipient: "u_pub", category: "comments" },
      sms: { reason: "off-by-default", recipient: "u_pub", category: "comments" },
    });
    // QStash was given one message only, so nothing can ever reach email or sms.
    expect(await messagesTo(app.path, "u_pub")).toEqual(["inApp"]);
    await vi.waitFor(() => expect(app.deliveredTo("u_pub")).toEqual(["inApp"]), { timeout: 10_000 });

    // Turning email back on (and sms on) delivers the next event to all three.
    await app.notify.preferences.set("u_pub", { comments: { email: true, sms: true } });
    await app.notify.publish({ userId: "u_pub", kind: "comments", title: "Another comment" });
    await vi.waitFor(() => expect(app.deliveredTo("u_pub")).toEqual(["email", "inApp", "inApp", "sms"]), {
      timeout: 10_000,
    });
  });

  it("publish: `only` still applies, after preferences", async () => {
    await app.notify.preferences.set("u_only", { mentions: { sms: false } });
    const sent = await app.notify.publish(
      { userId: "u_only", kind: "mentions", title: "You were mentioned" },
      { only: ["sms", "email"] },
    );
    expect(Object.keys(sent)).toEqual(["email"]);
    expect(Object.keys(skippedSubscribers(sent))).toEqual(["sms"]);
    await vi.waitFor(() => expect(app.deliveredTo("u_only")).toEqual(["email"]), { timeout: 10_000 });
  });

  it("publish: a critical category is delivered to every subscriber despite a stored mute", async () => {
    // weekly's "security" is not critical, so it can store a mute under the shared setting.
    await app.weekly.preferences.set("u_crit", { security: { email: false, sms: false } });
    expect((await app.weekly.preferences.get("u_crit")).security).toEqual({ email: false, sms: false });
    const sent = await app.notify.publish({ userId: "u_crit", kind: "security", title: "New sign-in" });
    expect(Object.keys(sent)).toEqual(["email", "sms", "inApp"]);
    expect(skippedSubscribers(sent)).toEqual({});
    await vi.waitFor(() => expect(app.deliveredTo("u_crit")).toEqual(["email", "inApp", "sms"]), {
      timeout: 10_000,
    });
    // And weekly, for which the category is not critical, respects the same mute.
    const weekly = await app.weekly.publish({ userId: "u_crit", kind: "security", title: "Weekly" });
    expect(weekly).toEqual({});
  });

  it("publish: an undeclared category fails with INVALID_PAYLOAD and sends nothing", async () => {
    const before = await messagesTo(app.path);
    const error = await app.notify
      .publish({ userId: "u_cat", kind: "billing", title: "Invoice" })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ code: "INVALID_PAYLOAD" });
    expect((error as Error).message).toContain("Categories: comments, mentions, security");
    expect(await messagesTo(app.path)).toEqual(before);
  });
});

describe("channel preferences in Redis", () => {
  it("keeps one hash per recipient, one field per category:subscriber", async () => {
    const prefix = `${run}:layout`;
    const app = buildApp("redis", prefix);
    await app.notify.preferences.set("u_layout", { comments: { email: false, sms: true } });
    expect(await redis.hgetall(`${prefix}:u_layout`)).toEqual({ "comments:email": 0, "comments:sms": 1 });
    await app.notify.preferences.reset("u_layout");
    expect(await redis.exists(`${prefix}:u_layout`)).toBe(0);
  });

  it("reads and resets the largest channel allowed (1000 settings) in one script each", async () => {
    const sb = createSwitchboard({ url: `${server.origin}/api/large`, redis });
    const categories = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`c${i}`, {}]));
    const large = sb.createChannel({
      name: "large",
      schema,
      subscribers: { a: async () => {}, b: async () => {}, c: async () => {}, d: async () => {} },
      preferences: { recipient: (e) => e.userId, category: "c0", prefix: `${run}:large`, categories },
    });
    const changes = Object.fromEntries(Object.keys(categories).map((name) => [name, { a: false, d: false }]));
    const set = await large.preferences.set("u_large", changes);
    expect(set.c249).toEqual({ a: false, b: true, c: true, d: false });
    expect(await redis.hlen(`${run}:large:u_large`)).toBe(500);
    const reset = await large.preferences.reset("u_large");
    expect(Object.values(reset).every((row) => Object.values(row).every(Boolean))).toBe(true);
    expect(await redis.exists(`${run}:large:u_large`)).toBe(0);
  });

  it("is shared by two app instances: one's mute holds for the other's publish", async () => {
    const prefix = `${run}:instances`;
    const first = buildApp("redis", prefix);
    const second = buildApp("redis", prefix);
    await first.notify.preferences.set("u_two", { comments: { inApp: false } });
    const sent = await second.notify.publish({ userId: "u_two", kind: "comments", title: "Hi" });
    expect(Object.keys(sent)).toEqual(["email"]);
    expect(skippedSubscribers(sent).inApp?.reason).toBe("muted");
  });

  it("publish fails with REDIS_FAILED and sends nothing when Redis cannot be reached", async () => {
    const closed = await closedPort();
    const path = `/api/down-${randomUUID()}`;
    const sb = createSwitchboard({
      url: `${server.origin}${path}`,
      qstash: { token: dev.token, baseUrl: dev.url },
      signingKeys: dev.signingKeys,
      redis: new Redis({
        url: `http://127.0.0.1:${closed}`,
        token: dev.token,
        retry: false,
        enableTelemetry: false,
      }),
    });
    const notify = sb.createChannel({
      name: "notify",
      schema,
      subscribers: { email: async () => {}, sms: async () => {} },
      preferences: { recipient: (e) => e.userId, category: "comments", categories: { comments: {} } },
    });
    const error = await notify
      .publish({ userId: "u_down", kind: "comments", title: "Hi" })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ code: "REDIS_FAILED", status: 503 });
    expect((error as Error).message).toContain(
      'channel "notify": publish could not read the preferences of "u_down": Redis (upstash) failed:',
    );
    expect((error as Error).message).toContain("Nothing was published");
    expect(await messagesTo(path)).toEqual([]);
    await expect(notify.preferences.get("u_down")).rejects.toMatchObject({ code: "REDIS_FAILED" });
  });
});

describe("a settings route (docs/channels.md), over real HTTP", () => {
  // The route docs/channels.md shows, with the session read from a header.
  let app: ReturnType<typeof buildApp>;
  let url: string;
  beforeAll(() => {
    app = buildApp("redis");
    const activity = app.notify;
    const userIdFromSession = (request: Request) => request.headers.get("x-user") ?? undefined;
    const handler = async (request: Request): Promise<Response> => {
      const userId = userIdFromSession(request);
      if (!userId) return Response.json({ error: "Sign in first." }, { status: 401 });
      if (request.method === "GET") {
        return Response.json({
          subscribers: activity.subscribers,
          categories: activity.preferences.categories,
          preferences: await activity.preferences.get(userId),
        });
      }
      if (request.headers.get("sec-fetch-site") === "cross-site") {
        return Response.json({ error: "Cross-site requests are refused." }, { status: 403 });
      }
      if (request.headers.get("content-type")?.split(";")[0]?.trim() !== "application/json") {
        return Response.json({ error: "Send Content-Type: application/json." }, { status: 415 });
      }
      const length = Number(request.headers.get("content-length"));
      if (!(length > 0 && length <= 16_384)) {
        return Response.json({ error: "Send a JSON body of at most 16 KiB." }, { status: 413 });
      }
      const changes = await request.json().catch(() => null);
      try {
        return Response.json({ preferences: await activity.preferences.set(userId, changes) });
      } catch (error) {
        if (error instanceof SwitchboardError && error.code === "INVALID_OPTIONS") {
          return Response.json({ error: error.message }, { status: 400 });
        }
        throw error;
      }
    };
    server.mount("/api/preferences", toNodeHandler(handler));
    url = `${server.origin}/api/preferences`;
  });
  const patch = (body: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "PATCH",
      headers: { "x-user": "u_route", "content-type": "application/json", ...headers },
      body,
    });

  it("GET answers what a settings page renders", async () => {
    const response = await fetch(url, { headers: { "x-user": "u_route" } });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.subscribers).toEqual(["email", "sms", "inApp"]);
    expect(body.categories.map((c: { name: string }) => c.name)).toEqual([
      "comments",
      "mentions",
      "security",
    ]);
    expect(body.preferences.comments).toEqual({ email: true, sms: false, inApp: true });
  });

  it("PATCH changes what it names and answers the result; the next publish follows it", async () => {
    const response = await patch(JSON.stringify({ comments: { inApp: false } }));
    expect(response.status).toBe(200);
    expect((await response.json()).preferences.comments).toEqual({ email: true, sms: false, inApp: false });
    const sent = await app.notify.publish({ userId: "u_route", kind: "comments", title: "Hi" });
    expect(Object.keys(sent)).toEqual(["email"]);
  });

  it.each([
    ["a critical mute", JSON.stringify({ security: { email: false } }), 400, "cannot be muted"],
    ["an unknown category", JSON.stringify({ billing: { email: true } }), 400, 'unknown category "billing"'],
    ["a __proto__ key", '{"__proto__":{"email":false}}', 400, 'unknown category "__proto__"'],
    ["a string for a boolean", JSON.stringify({ comments: { sms: "yes" } }), 400, "must be true or false"],
    ["a body that is not JSON", "comments=off", 400, "pass { [category]"],
    ["JSON null", "null", 400, "pass { [category]"],
    [
      "a body over 16 KiB",
      JSON.stringify({ comments: { email: true }, pad: "x".repeat(17_000) }),
      413,
      "16 KiB",
    ],
  ])("PATCH refuses %s", async (_what, body, status, message) => {
    const before = await app.notify.preferences.get("u_route");
    const response = await patch(body);
    expect(response.status).toBe(status);
    expect((await response.json()).error).toContain(message);
    expect(await app.notify.preferences.get("u_route")).toEqual(before);
  });

  it("PATCH refuses a cross-site request and a form's content type", async () => {
    const body = JSON.stringify({ comments: { email: false } });
    expect((await patch(body, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await patch(body, { "content-type": "text/plain" })).status).toBe(415);
    expect((await app.notify.preferences.get("u_route")).comments.email).toBe(true);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
