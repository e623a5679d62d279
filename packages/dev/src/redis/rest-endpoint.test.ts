import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { Redis } from "@upstash/redis";
import { Redis as RedisConnection } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequestGuard } from "../api/request-guard";
import { type DevServer, startDevServer } from "../start-dev-server";
import { commandRefusal } from "./command-policy";
import { startRedisRest } from "./rest-endpoint";

// Needs the real Redis at 127.0.0.1:6379: startDevServer rejects (and these tests fail) without it.
// Never FLUSH it here: other work shares it. The attacks below prove the dev server refuses them.
const REDIS_URL = "redis://127.0.0.1:6379";
let dev: DevServer;
let redis: Redis;
/** A plain TCP connection to the same Redis, to look behind the dev server's back. */
let direct: RedisConnection;
const prefix = `sbtest:${randomUUID()}:`;

beforeAll(async () => {
  dev = await startDevServer({ port: 0, quiet: true, redisUrl: REDIS_URL, redisPort: 0 });
  redis = new Redis({ url: dev.redisRestUrl!, token: dev.token });
  direct = new RedisConnection(REDIS_URL);
});
afterAll(async () => {
  const keys = await direct.keys(`${prefix}*`);
  if (keys.length > 0) await direct.del(...keys);
  direct.disconnect();
  await dev.close();
});

/** A raw REST call: a JSON body means POST, none means GET (the path form). */
function call(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${dev.redisRestUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${dev.token}`, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
const pathOf = (command: string[]) => `/${command.map(encodeURIComponent).join("/")}`;

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

describe("commands Upstash refuses", () => {
  // Each of these ran against the real Redis before: wiping it, stopping it or reconfiguring it.
  const attacks = [
    ["FLUSHALL"],
    ["FLUSHDB"],
    ["SHUTDOWN", "NOSAVE"],
    ["SAVE"],
    ["BGSAVE"],
    ["CONFIG", "SET", "maxmemory", "1"],
    ["SCRIPT", "FLUSH"],
    ["DEBUG", "SLEEP", "0"],
    ["SWAPDB", "0", "1"],
    ["CLIENT", "KILL", "TYPE", "normal"],
    ["ACL", "SETUSER", `${prefix}eve`, "on"],
  ];

  it("are refused on POST /, the path form, /pipeline and /multi-exec, and the data survives", async () => {
    // The Redis is shared: should the policy ever let one through, stop before sending it.
    for (const attack of attacks) expect(commandRefusal(attack, { allowFlush: false })).toMatch(/^ERR /);
    await direct.set(`${prefix}survivor`, "still here");
    for (const attack of attacks) {
      const name = attack.join(" ");
      const single = await call("/", attack);
      expect(single.status, name).toBe(400);
      expect(await single.json(), name).toEqual({ error: expect.stringMatching(/^ERR /) });

      const path = await call(pathOf(attack));
      expect(path.status, name).toBe(400);
      expect(await path.json(), name).toEqual({ error: expect.stringMatching(/^ERR /) });

      const pipeline = await call("/pipeline", [["SET", `${prefix}pl`, "1"], attack, ["GET", `${prefix}pl`]]);
      expect(pipeline.status, name).toBe(200);
      expect(await pipeline.json(), name).toEqual([
        { result: "OK" },
        { error: expect.stringMatching(/^ERR /) },
        { result: "1" },
      ]);

      // Upstash discards a whole transaction that holds an unsupported command.
      const tx = await call("/multi-exec", [["SET", `${prefix}tx-${name}`, "1"], attack]);
      expect(tx.status, name).toBe(400);
      expect(await tx.json(), name).toEqual({ error: expect.stringMatching(/^ERR /) });
      expect(await direct.exists(`${prefix}tx-${name}`), name).toBe(0);
    }
    expect(await direct.get(`${prefix}survivor`)).toBe("still here");
    expect(await direct.config("GET", "maxmemory")).not.toEqual(["maxmemory", "1"]);
    expect(await redis.ping()).toBe("PONG");
  });

  it("reach @upstash/redis as an UpstashError", async () => {
    await expect(redis.flushall()).rejects.toThrow(/ERR .*--redis-allow-flush/);
    await expect(redis.flushdb()).rejects.toThrow(/ERR /);
    expect(await direct.get(`${prefix}survivor`)).toBe("still here");
  });
});

describe("--redis-allow-flush", () => {
  it("reaches the policy: a flush is then Redis's to run, not the dev server's to refuse", async () => {
    // Never actually flush the shared Redis: DB 15 only, and in a transaction Redis aborts at EXEC
    // because GET without a key fails while queueing, so the FLUSHDB is never executed.
    await direct.set(`${prefix}kept`, "1");
    const allowing = await startDevServer({
      port: 0,
      quiet: true,
      redisUrl: `${REDIS_URL}/15`,
      redisPort: 0,
      redisAllowFlush: true,
    });
    try {
      const response = await fetch(`${allowing.redisRestUrl}/multi-exec`, {
        method: "POST",
        headers: { Authorization: `Bearer ${allowing.token}` },
        body: JSON.stringify([["FLUSHDB"], ["GET"]]),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: expect.stringMatching(/EXECABORT/) });
    } finally {
      await allowing.close();
    }
    const refusing = await call("/multi-exec", [["FLUSHDB"], ["GET"]]);
    expect(await refusing.json()).toEqual({ error: expect.stringMatching(/--redis-allow-flush/) });
    expect(await direct.get(`${prefix}kept`)).toBe("1");
  });
});

describe("one client cannot change another client's connection", () => {
  it("refuses SELECT: everyone stays on the database the dev server was given", async () => {
    const select = await call("/", ["SELECT", "1"]);
    expect(select.status).toBe(400);
    await redis.set(`${prefix}db`, "zero");
    expect(await direct.get(`${prefix}db`)).toBe("zero");
  });

  it("refuses MULTI, EXEC, DISCARD, WATCH and UNWATCH outside /multi-exec", async () => {
    await direct.set(`${prefix}m`, "value");
    for (const command of [["MULTI"], ["EXEC"], ["DISCARD"], ["WATCH", `${prefix}m`], ["UNWATCH"]]) {
      const response = await call("/", command);
      expect(response.status, command[0]).toBe(400);
      expect(await response.json(), command[0]).toEqual({
        error: expect.stringMatching(/^ERR .*multi-exec/),
      });
    }
    expect(await redis.get(`${prefix}m`)).toBe("value");
  });

  it("refuses blocking commands at once instead of hanging every request", async () => {
    for (const command of [
      ["BLPOP", `${prefix}nothing`, "0"],
      ["BRPOP", `${prefix}nothing`, "0"],
      ["BLMOVE", `${prefix}nothing`, `${prefix}b`, "LEFT", "RIGHT", "0"],
      ["BZPOPMIN", `${prefix}nothing`, "0"],
      ["XREAD", "BLOCK", "0", "STREAMS", `${prefix}stream`, "$"],
      ["WAIT", "1", "0"],
    ]) {
      const response = await call("/", command, {});
      expect(response.status, command[0]).toBe(400);
      expect(await response.json(), command[0]).toEqual({ error: expect.stringMatching(/^ERR .*block/i) });
    }
    expect(await redis.ping()).toBe("PONG");
  });

  it("refuses QUIT, RESET, AUTH and HELLO, and later requests still work", async () => {
    for (const command of [["QUIT"], ["RESET"], ["AUTH", "x"], ["HELLO", "3"]]) {
      expect((await call("/", command)).status, command[0]).toBe(400);
    }
    expect(await redis.ping()).toBe("PONG");
  });

  it("survives SUBSCRIBE, PSUBSCRIBE and MONITOR sent as commands", async () => {
    const attempts = [
      call("/", ["SUBSCRIBE", `${prefix}c`]),
      call(`/SUBSCRIBE/${prefix}c`),
      call("/", ["PSUBSCRIBE", `${prefix}*`]),
      call("/", ["SSUBSCRIBE", `${prefix}c`]),
      call("/pipeline", [["SUBSCRIBE", `${prefix}c`]]),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBeLessThan(500);
      const body = await response.json();
      expect(JSON.stringify(body)).toMatch(/ERR .*\/p?subscribe\//);
    }
    const monitor = await call("/", ["MONITOR"]);
    expect(monitor.status).toBe(400);
    expect(await monitor.json()).toEqual({ error: expect.stringMatching(/^ERR MONITOR/) });
    expect(await redis.ping()).toBe("PONG");
    await redis.set(`${prefix}after`, "ok");
    expect(await redis.get(`${prefix}after`)).toBe("ok");
  });

  it("runs each /multi-exec atomically while other clients write the same key", async () => {
    const key = `${prefix}atomic`;
    const transactions = Array.from({ length: 25 }, (_, i) =>
      call("/multi-exec", [
        ["SET", key, `tx-${i}`],
        ["APPEND", key, "!"],
        ["GET", key],
      ]),
    );
    const interlopers = Array.from({ length: 25 }, () => call("/", ["SET", key, "interloper"]));
    const answers = await Promise.all(transactions);
    await Promise.all(interlopers);
    for (const [i, answer] of answers.entries()) {
      expect(await answer.json()).toEqual([
        { result: "OK" },
        { result: `tx-${i}!`.length },
        { result: `tx-${i}!` },
      ]);
    }
  });
});

describe("read-your-writes", () => {
  const tokenOf = (response: Response) => Number(response.headers.get("upstash-sync-token"));

  it("sends an increasing upstash-sync-token on every command endpoint", async () => {
    const first = await call("/", ["SET", `${prefix}ryw`, "1"]);
    const second = await call("/pipeline", [["GET", `${prefix}ryw`]]);
    const third = await call("/multi-exec", [["INCR", `${prefix}ryw`]]);
    const fourth = await call(`/get/${prefix}ryw`);
    const tokens = [first, second, third, fourth].map(tokenOf);
    for (const token of tokens) expect(Number.isSafeInteger(token)).toBe(true);
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    expect(new Set(tokens).size).toBe(4);
  });

  it("lets @upstash/redis track the token across commands, pipelines, transactions and scripts", async () => {
    const client = new Redis({ url: dev.redisRestUrl!, token: dev.token });
    expect(client.readYourWritesSyncToken).toBe("");
    await client.set(`${prefix}ryw2`, "value");
    const afterSet = client.readYourWritesSyncToken;
    expect(afterSet).not.toBe("");

    const pipeline = client.pipeline();
    pipeline.set(`${prefix}ryw2`, "a");
    pipeline.get(`${prefix}ryw2`);
    expect(await pipeline.exec()).toEqual(["OK", "a"]);
    const afterPipeline = client.readYourWritesSyncToken;
    expect(Number(afterPipeline)).toBeGreaterThan(Number(afterSet));

    const tx = client.multi();
    tx.set(`${prefix}ryw2`, "b");
    tx.get(`${prefix}ryw2`);
    expect(await tx.exec()).toEqual(["OK", "b"]);
    expect(Number(client.readYourWritesSyncToken)).toBeGreaterThan(Number(afterPipeline));

    const beforeScript = client.readYourWritesSyncToken;
    const script = client.createScript<number>(`redis.call('SET', KEYS[1], 'scripted') return 1`);
    expect(await script.exec([`${prefix}ryw3`], [])).toBe(1);
    expect(client.readYourWritesSyncToken).not.toBe(beforeScript);
    expect(await client.get(`${prefix}ryw3`)).toBe("scripted");

    // A token the client made up (or one from another dev server run) is accepted, not refused.
    client.readYourWritesSyncToken = "my-own-token";
    expect(await client.set(`${prefix}ryw2`, "c")).toBe("OK");
    expect(await client.get(`${prefix}ryw2`)).toBe("c");
  });
});

describe("/subscribe", () => {
  it("gives back every Redis connection when clients leave, however early", async () => {
    const connectionName = `sbtest-subscribe-${randomUUID()}`;
    const rest = await startRedisRest({
      redisUrl: REDIS_URL,
      port: 0,
      host: "127.0.0.1",
      token: "leak-test",
      guard: createRequestGuard({ host: "127.0.0.1" }),
      connectionName,
    });
    const ours = async () =>
      String(await direct.client("LIST"))
        .split("\n")
        .filter((line) => line.includes(` name=${connectionName} `)).length;
    try {
      const baseline = await ours();
      expect(baseline).toBeGreaterThanOrEqual(1); // the shared connection, named so we can count
      const open = (channel: string, signal: AbortSignal) =>
        fetch(`${rest.url}/subscribe/${channel}`, {
          method: "POST",
          headers: { Authorization: "Bearer leak-test", Accept: "text/event-stream" },
          signal,
        });

      // Clients that leave after the subscription is confirmed.
      const confirmed = Array.from({ length: 10 }, () => new AbortController());
      await Promise.all(
        confirmed.map(async (controller, i) => {
          const response = await open(`${prefix}leak-${i}`, controller.signal);
          const reader = response.body!.getReader();
          const { value } = await reader.read();
          expect(new TextDecoder().decode(value)).toContain("subscribe,");
        }),
      );
      await expect.poll(ours, { timeout: 5_000 }).toBe(baseline + confirmed.length);
      for (const controller of confirmed) controller.abort();

      // Clients that send the request and hang up at once, before Redis confirmed the subscription.
      const { port } = new URL(rest.url);
      await Promise.all(
        Array.from(
          { length: 10 },
          (_, i) =>
            new Promise<void>((resolve, reject) => {
              const socket = connect(Number(port), "127.0.0.1", () => {
                socket.end(
                  `POST /subscribe/${prefix}early-${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
                    "Authorization: Bearer leak-test\r\nContent-Length: 0\r\n\r\n",
                  () => socket.destroy(),
                );
              });
              socket.on("close", () => resolve());
              socket.on("error", reject);
            }),
        ),
      );

      // And the official client, subscribing and unsubscribing.
      const client = new Redis({ url: rest.url, token: "leak-test" });
      const subscriber = client.subscribe([`${prefix}official`]);
      await new Promise<void>((resolve) => subscriber.on("subscribe", () => resolve()));
      await subscriber.unsubscribe();

      await expect.poll(ours, { timeout: 5_000 }).toBe(baseline);
    } finally {
      await rest.close();
    }
    await expect.poll(ours, { timeout: 5_000 }).toBe(0);
  });
});
