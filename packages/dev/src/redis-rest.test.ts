import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./start-dev-server";

// Needs the real Redis at 127.0.0.1:6379: startDevServer rejects (and these tests fail) without it.
let dev: DevServer;
let redis: Redis;
const prefix = `sbtest:${randomUUID()}:`;

beforeAll(async () => {
  dev = await startDevServer({ port: 0, quiet: true, redisUrl: "redis://127.0.0.1:6379", redisPort: 0 });
  redis = new Redis({ url: dev.redisRestUrl!, token: dev.token });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await dev.close();
});

describe("Upstash Redis REST endpoint", () => {
  it("runs strings, counters, hashes and sorted sets through @upstash/redis", async () => {
    await redis.set(`${prefix}greeting`, { text: "héllo 🚀" });
    expect(await redis.get(`${prefix}greeting`)).toEqual({ text: "héllo 🚀" });
    expect(await redis.incr(`${prefix}seq`)).toBe(1);
    expect(await redis.incrby(`${prefix}seq`, 5)).toBe(6);
    await redis.hset(`${prefix}h`, { a: "1", b: "two" });
    expect(await redis.hgetall(`${prefix}h`)).toEqual({ a: 1, b: "two" });
    await redis.zadd(`${prefix}z`, { score: 2, member: "b" }, { score: 1, member: "a" });
    expect(await redis.zrange(`${prefix}z`, 0, -1, { withScores: true })).toEqual(["a", 1, "b", 2]);
    expect(await redis.get(`${prefix}missing`)).toBeNull();
  });

  it("answers Redis errors as errors", async () => {
    await redis.set(`${prefix}str`, "x");
    await expect(redis.lpush(`${prefix}str`, "y")).rejects.toThrow(/WRONGTYPE/);
  });

  it("runs pipelines and MULTI/EXEC transactions", async () => {
    const pipeline = redis.pipeline();
    pipeline.set(`${prefix}p1`, "a");
    pipeline.incr(`${prefix}p2`);
    pipeline.get(`${prefix}p1`);
    expect(await pipeline.exec()).toEqual(["OK", 1, "a"]);
    const tx = redis.multi();
    tx.incr(`${prefix}t`);
    tx.incr(`${prefix}t`);
    tx.get(`${prefix}t`);
    expect(await tx.exec()).toEqual([1, 2, 2]);
  });

  it("honours Upstash-Encoding: base64 (the client's default) and plain responses", async () => {
    const raw = await fetch(`${dev.redisRestUrl}/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${dev.token}`, "Upstash-Encoding": "base64" },
      body: JSON.stringify(["GET", `${prefix}p1`]),
    });
    expect(await raw.json()).toEqual({ result: Buffer.from("a").toString("base64") });
    const plain = await fetch(`${dev.redisRestUrl}/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${dev.token}` },
      body: JSON.stringify(["GET", `${prefix}p1`]),
    });
    expect(await plain.json()).toEqual({ result: "a" });
  });

  it("answers pipelines item by item, errors included, and aborts a transaction Redis refuses", async () => {
    const call = (path: string, body: unknown) =>
      fetch(`${dev.redisRestUrl}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${dev.token}` },
        body: JSON.stringify(body),
      });
    const pipeline = await call("/pipeline", [
      ["SET", `${prefix}pe`, "x"],
      ["LPUSH", `${prefix}pe`, "y"],
      ["GET", `${prefix}pe`],
    ]);
    expect(pipeline.status).toBe(200);
    expect(await pipeline.json()).toEqual([
      { result: "OK" },
      { error: expect.stringMatching(/WRONGTYPE/) },
      { result: "x" },
    ]);
    const aborted = await call("/multi-exec", [["SET", `${prefix}tx`, "1"], ["NOSUCHCOMMAND"]]);
    expect(aborted.status).toBe(400);
    expect(await aborted.json()).toEqual({ error: expect.stringMatching(/EXECABORT|unknown command/i) });
    expect(await redis.get(`${prefix}tx`)).toBeNull();
    const single = await call("/", ["NOSUCHCOMMAND"]);
    expect(single.status).toBe(400);
  });

  it("base64-encodes every string in nested replies but not integers", async () => {
    await redis.zadd(`${prefix}b64`, { score: 1.5, member: "ä" }, { score: 2, member: "b" });
    const response = await fetch(`${dev.redisRestUrl}/pipeline`, {
      method: "POST",
      headers: { Authorization: `Bearer ${dev.token}`, "Upstash-Encoding": "base64" },
      body: JSON.stringify([
        ["ZRANGE", `${prefix}b64`, "0", "-1", "WITHSCORES"],
        ["ZCARD", `${prefix}b64`],
        ["GET", `${prefix}nothing`],
      ]),
    });
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    expect(await response.json()).toEqual([
      { result: [b64("ä"), b64("1.5"), b64("b"), b64("2")] },
      { result: 2 },
      { result: null },
    ]);
  });

  it("rejects requests without the token", async () => {
    for (const path of ["/", "/pipeline", "/multi-exec", "/subscribe/x"]) {
      const response = await fetch(`${dev.redisRestUrl}${path}`, {
        method: "POST",
        headers: { Authorization: "Bearer wrong" },
        body: JSON.stringify(["PING"]),
      });
      expect(response.status, path).toBe(401);
    }
    const wrong = new Redis({ url: dev.redisRestUrl!, token: "wrong" });
    await expect(wrong.get(`${prefix}p1`)).rejects.toThrow(/Unauthorized/);
  });

  it("streams pub/sub over /subscribe as Server-Sent Events", async () => {
    const channel = `${prefix}chan`;
    const subscriber = redis.subscribe([channel]);
    const received: unknown[] = [];
    const subscribed = new Promise<void>((resolve) => subscriber.on("subscribe", () => resolve()));
    subscriber.on("message", ({ message }) => void received.push(message));
    await subscribed;
    expect(await redis.publish(channel, JSON.stringify({ n: 1 }))).toBe(1);
    await expect.poll(() => received).toEqual([{ n: 1 }]);
    await subscriber.unsubscribe();
  });

  it("streams pattern subscriptions, with commas in channel-free payloads intact", async () => {
    const subscriber = redis.psubscribe([`${prefix}room:*`]);
    const received: unknown[] = [];
    const subscribed = new Promise<void>((resolve) => subscriber.on("psubscribe", () => resolve()));
    subscriber.on("pmessage", ({ channel, message }) => void received.push({ channel, message }));
    await subscribed;
    await redis.publish(`${prefix}room:1`, JSON.stringify({ text: "a, b, c" }));
    await expect.poll(() => received).toEqual([{ channel: `${prefix}room:1`, message: { text: "a, b, c" } }]);
    await subscriber.unsubscribe();
  });
});
