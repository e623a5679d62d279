import { randomUUID } from "node:crypto";
import { Redis as Upstash } from "@upstash/redis";
import { Cluster, Redis as IoRedis } from "ioredis";
import { createClient, createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
// A relative import, not a dependency: @switchboard/dev depends on wire (it bundles it), and a
// workspace dependency back would be a cycle turbo refuses.
import { type DevServer, startDevServer } from "../../dev/src/index";
import { type RedisDriver, toRedisDriver } from "./redis-driver";
import { scriptSha } from "./script-sha";
import { WireError } from "./wire-error";

// Real Redis at 127.0.0.1:6379, through all three clients (Upstash via the dev server's REST
// endpoint). With no Redis, beforeAll rejects and every test fails: these tests never skip.
const REDIS_URL = "redis://127.0.0.1:6379";
const run = `sbtest:wire:${randomUUID()}`;
const names = { ioredis: `${run}:ioredis`, "node-redis": `${run}:node-redis` } as const;

let dev: DevServer | undefined;
let admin: IoRedis;
let ioredis: IoRedis;
let nodeRedis: ReturnType<typeof createClient>;
let upstash: Upstash;
const drivers: Record<RedisDriver["client"], RedisDriver> = {} as never;
let upstashRaw: RedisDriver;
let counter = 0;
const key = () => `${run}:${++counter}`;

beforeAll(async () => {
  admin = new IoRedis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on("error", () => {});
  await admin.connect().catch((error: Error) => {
    throw new Error(`Redis is not up at ${REDIS_URL} (${error.message}): is redis-server running?`);
  });
  dev = await startDevServer({ port: 0, quiet: true, redisUrl: REDIS_URL, redisPort: 0 });
  upstash = new Upstash({ url: dev.redisRestUrl!, token: dev.token, enableTelemetry: false });
  ioredis = new IoRedis(REDIS_URL, { connectionName: names.ioredis, maxRetriesPerRequest: 1 });
  nodeRedis = createClient({
    url: REDIS_URL,
    name: names["node-redis"],
    socket: { reconnectStrategy: (retries) => (retries > 50 ? new Error("Redis is gone") : 50) },
  });
  nodeRedis.on("error", () => {});
  await nodeRedis.connect();
  drivers.upstash = toRedisDriver(upstash, "redis");
  drivers.ioredis = toRedisDriver(ioredis, "redis");
  drivers["node-redis"] = toRedisDriver(nodeRedis, "redis");
  // The other way an Upstash client can be built: raw replies, errors not wrapped by a pipeline.
  upstashRaw = toRedisDriver(
    new Upstash({
      url: dev.redisRestUrl!,
      token: dev.token,
      enableTelemetry: false,
      automaticDeserialization: false,
      enableAutoPipelining: false,
    }),
    "redis",
  );
});

afterAll(async () => {
  if (admin?.status === "ready") {
    const keys = await admin.keys(`${run}:*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  await Promise.allSettled([ioredis?.quit(), nodeRedis?.isOpen ? nodeRedis.close() : undefined]);
  await dev?.close();
  admin?.disconnect();
});

const clients = ["upstash", "ioredis", "node-redis"] as const;
/** Every client, and an Upstash client built with `automaticDeserialization: false`. */
const variants = () => ({ ...drivers, "upstash (raw)": upstashRaw });

/** Connections named `name` on the server (the client's own, plus its subscriber duplicate). */
async function connections(name: string): Promise<string[]> {
  const list = (await admin.call("CLIENT", "LIST")) as string;
  return list.split("\n").filter((line) => line.includes(` name=${name} `));
}

describe("toRedisDriver", () => {
  it("recognises each client by its shape", () => {
    expect(drivers.upstash.client).toBe("upstash");
    expect(drivers.ioredis.client).toBe("ioredis");
    expect(drivers["node-redis"].client).toBe("node-redis");
    expect(toRedisDriver(drivers.ioredis, "redis")).toBe(drivers.ioredis);
  });

  it("recognises an ioredis Cluster", () => {
    const cluster = new Cluster([{ host: "127.0.0.1", port: 6379 }], { lazyConnect: true });
    try {
      expect(toRedisDriver(cluster, "redis").client).toBe("ioredis");
    } finally {
      cluster.disconnect();
    }
  });

  it.each([
    ["null", null],
    ["a URL", REDIS_URL],
    ["a plain object", { get: () => {} }],
    ["a node-redis cluster", createCluster({ rootNodes: [{ url: REDIS_URL }] })],
    ["an Upstash-like object without createScript", { evalsha: () => {}, pipeline: () => {} }],
  ])("refuses %s, naming the field and the three clients", (_, client) => {
    let thrown: unknown;
    try {
      toRedisDriver(client, "createSwitchboard: redis");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WireError);
    expect((thrown as WireError).field).toBe("createSwitchboard: redis");
    expect((thrown as WireError).message).toMatch(
      /^createSwitchboard: redis must be a Redis client: an @upstash\/redis Redis .*an ioredis Redis or Cluster .*a node-redis client/,
    );
  });

  it("says to connect a node-redis client that is not connected", async () => {
    const closed = createClient({ url: REDIS_URL });
    const driver = toRedisDriver(closed, "redis");
    await expect(driver.eval("return 1", [], [])).rejects.toThrow(
      /not connected; call `await client.connect\(\)`/,
    );
  });
});

describe.each(clients)("eval arguments (%s)", (client) => {
  it.each([
    ["an empty script", "", [], [], /script must be the Lua source text/],
    ["an empty key", "return 1", [""], [], /keys\[0\] must be a non-empty string/],
    ["a key that is not a string", "return 1", [1], [], /keys\[0\] must be a non-empty string, got 1/],
    ["NaN", "return 1", [], [Number.NaN], /args\[0\] must be a string or a finite number, got NaN/],
    ["an object", "return 1", [], [{}], /args\[0\] .*JSON.stringify objects first/],
    ["keys that are not an array", "return 1", "k", [], /keys must be an array/],
  ])("refuses %s with a WireError before sending anything", async (_, script, keys, args, message) => {
    const attempt = drivers[client].eval(script as string, keys as string[], args as string[]);
    await expect(attempt).rejects.toBeInstanceOf(WireError);
    await expect(attempt).rejects.toThrow(message);
  });
});

// One table, three clients, identical replies: what a store's script returns reads the same
// whichever client the user has.
const replies: [string, string, (k: string) => string[], (string | number)[], unknown][] = [
  ["an integer", "return 42", () => [], [], 42],
  ["a negative integer", "return -7", () => [], [], -7],
  ["a Lua float (Redis truncates it)", "return 3.7", () => [], [], 3],
  ["nil", "return nil", () => [], [], null],
  ["false (nil over RESP2)", "return false", () => [], [], null],
  ["true (1 over RESP2)", "return true", () => [], [], 1],
  ["a status reply", "return redis.status_reply('OK')", () => [], [], "OK"],
  ["an empty table", "return {}", () => [], [], []],
  ["a table with a hole (cut at the first nil)", "return {1, nil, 3}", () => [], [], [1]],
  [
    "nested arrays",
    `return {1, 'two', {3, {'4', 'x', {}}}, '{"a":[1,"b"]}'}`,
    () => [],
    [],
    [1, "two", [3, [4, "x", []]], { a: [1, "b"] }],
  ],
  [
    "a cjson-encoded table",
    "return cjson.encode({a = 1, b = {'x', 'y'}, c = 'https://x/y'})",
    () => [],
    [],
    { a: 1, b: ["x", "y"], c: "https://x/y" },
  ],
  ["cjson's empty table (an object)", "return cjson.encode({})", () => [], [], {}],
  [
    "cjson numbers (14 significant digits)",
    "return cjson.encode({ms = 1733106000123, big = 1234567890123456789})",
    () => [],
    [],
    { ms: 1733106000123, big: 1.2345678901235e18 },
  ],
  [
    "number-like strings",
    "return {'123', '1.50', '007', '-0', '1e3', '12345678901234567890', '0.1', ' 5'}",
    () => [],
    [],
    [123, "1.50", "007", "-0", "1e3", "12345678901234567890", 0.1, " 5"],
  ],
  [
    "JSON words and quoted strings",
    `return {'null', 'true', 'false', '"quoted"', '"7"'}`,
    () => [],
    [],
    [null, true, false, "quoted", "7"],
  ],
  [
    "e-prefixed text (how to keep an id text)",
    "return {'e123', 'e' .. ARGV[1], 'hello world', ''}",
    () => [],
    ["42"],
    ["e123", "e42", "hello world", ""],
  ],
  ["unicode text", "return ARGV[1]", () => [], ["héllo ✓ 😀"], "héllo ✓ 😀"],
  [
    "keys and args as sent",
    "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}",
    (k) => [`${k}:a`, `${k}:b`],
    [5, "x", 1.5],
    ["@a", "@b", 5, "x", 1.5],
  ],
  [
    "state written and read back",
    "redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), redis.call('INCRBY', KEYS[2], 2)}",
    (k) => [`${k}:json`, `${k}:n`],
    ['{"x":[1,"2"]}'],
    [{ x: [1, "2"] }, 2],
  ],
];

describe("eval replies", () => {
  it.each(replies)("%s reads the same on all three clients", async (_, script, keys, args, expected) => {
    const seen: Record<string, unknown> = {};
    for (const [client, driver] of Object.entries(variants())) {
      const k = key();
      const reply = await driver.eval(script, keys(k), args);
      // Keys come back as sent; show them by their suffix so one expectation covers every client.
      seen[client] = JSON.parse(JSON.stringify(reply).replaceAll(`${k}:`, "@"));
    }
    expect(seen).toEqual({
      upstash: expected,
      "upstash (raw)": expected,
      ioredis: expected,
      "node-redis": expected,
    });
  });

  it.each([
    ["an error_reply", "return redis.error_reply('MYERR custom')", /^MYERR custom$/],
    ["a Lua error", "error('boom')", /^ERR user_script:1: boom script: [0-9a-f]{40}, on @user_script:1\.$/],
    [
      "a failing redis.call",
      "return redis.call('INCR', KEYS[1])",
      /^ERR value is not an integer or out of range script: [0-9a-f]{40}, on @user_script:1\.$/,
    ],
    ["a syntax error", "return (", /^ERR Error compiling script/],
  ])("%s rejects with Redis's message alone, the same on all three clients", async (_, script, message) => {
    const messages: Record<string, string> = {};
    for (const [client, driver] of Object.entries(variants())) {
      const k = key();
      await admin.set(k, "not a number");
      const error = await driver.eval(script, [k], []).then(
        () => new Error("resolved"),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      messages[client] = error.message;
    }
    expect(messages.upstash).toMatch(message);
    expect(messages.ioredis).toBe(messages.upstash);
    expect(messages["node-redis"]).toBe(messages.upstash);
    expect(messages["upstash (raw)"]).toBe(messages.upstash);
  });
});

describe.each(clients)("EVALSHA (%s)", (client) => {
  it("sends EVALSHA, and EVAL only when Redis answers NOSCRIPT (first run, after SCRIPT FLUSH)", async () => {
    const nonce = randomUUID();
    const script = `return 'nonce ${nonce}'`;
    const sha = await scriptSha(script);
    const monitor = await admin.monitor();
    const sent: string[] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      // EVAL and the sentinel carry the nonce; EVALSHA names the script by its SHA.
      if (args[1] === sha || args.some((arg) => arg.includes(nonce)))
        sent.push(String(args[0]).toUpperCase());
    });
    try {
      expect(await drivers[client].eval(script, [], [])).toBe(`nonce ${nonce}`);
      expect(await drivers[client].eval(script, [], [])).toBe(`nonce ${nonce}`);
      await admin.call("SCRIPT", "FLUSH", "SYNC");
      expect(await drivers[client].eval(script, [], [])).toBe(`nonce ${nonce}`);
      // The monitor feed is in execution order: once the sentinel is in, everything before is.
      const sentinel = `sentinel ${nonce}`;
      await admin.echo(sentinel);
      await vi.waitFor(() => expect(sent.at(-1)).toBe("ECHO"), { timeout: 5000 });
      expect(sent).toEqual(["EVALSHA", "EVAL", "EVALSHA", "EVALSHA", "EVAL", "ECHO"]);
    } finally {
      monitor.disconnect();
    }
  });
});

describe.each(clients)("subscribe (%s)", (client) => {
  it("refuses an empty channel or a missing listener with a WireError", () => {
    expect(() => drivers[client].subscribe!("", () => {})).toThrow(/channel must be a non-empty string/);
    expect(() => drivers[client].subscribe!("c", undefined as never)).toThrow(WireError);
  });

  it("delivers PUBLISHed messages, decoded, to every listener of the channel", async () => {
    const channel = key();
    const first: unknown[] = [];
    const second: unknown[] = [];
    const errors: unknown[] = [];
    const stopFirst = drivers[client].subscribe!(
      channel,
      (m) => first.push(m),
      (e) => errors.push(e),
    );
    const stopSecond = drivers[client].subscribe!(
      channel,
      (m) => second.push(m),
      (e) => errors.push(e),
    );
    try {
      // TCP drivers share one SUBSCRIBE per channel; Upstash opens one stream per subscription.
      const subscribers = client === "upstash" ? 2 : 1;
      await vi.waitFor(
        async () =>
          expect(((await admin.call("PUBSUB", "NUMSUB", channel)) as [string, number])[1]).toBe(subscribers),
        { timeout: 5000 },
      );
      for (const message of ['{"a":[1,"x"]}', "hello", "42", '[1,"x"]'])
        await admin.publish(channel, message);
      const expected = [{ a: [1, "x"] }, "hello", 42, [1, "x"]];
      await vi.waitFor(() => expect(second).toHaveLength(4), { timeout: 5000 });
      expect(first).toEqual(expected);
      expect(second).toEqual(expected);
      stopFirst();
      await admin.publish(channel, "after");
      await vi.waitFor(() => expect(second).toHaveLength(5), { timeout: 5000 });
      expect(first).toHaveLength(4);
      expect(errors).toEqual([]);
    } finally {
      stopFirst();
      stopSecond();
    }
  });

  it("sends a listener's own exception to its onError, never to the client", async () => {
    const channel = key();
    const errors: unknown[] = [];
    const stop = drivers[client].subscribe!(
      channel,
      () => {
        throw new Error("listener bug");
      },
      (e) => errors.push(e),
    );
    try {
      await vi.waitFor(
        async () => expect(((await admin.call("PUBSUB", "NUMSUB", channel)) as [string, number])[1]).toBe(1),
        { timeout: 5000 },
      );
      await admin.publish(channel, "x");
      await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 5000 });
      expect((errors[0] as Error).message).toBe("listener bug");
    } finally {
      stop();
    }
  });
});

describe.each(["ioredis", "node-redis"] as const)("subscriber connection (%s)", (client) => {
  const subscribed = async (channel: string) =>
    vi.waitFor(
      async () => expect(((await admin.call("PUBSUB", "NUMSUB", channel)) as [string, number])[1]).toBe(1),
      { timeout: 5000 },
    );

  it("shares one duplicate connection and closes it with the last unsubscribe", async () => {
    expect(await connections(names[client])).toHaveLength(1);
    const [a, b] = [key(), key()];
    const stops = [
      drivers[client].subscribe!(a, () => {}),
      drivers[client].subscribe!(a, () => {}),
      drivers[client].subscribe!(b, () => {}),
    ];
    await subscribed(a);
    await subscribed(b);
    expect(await connections(names[client])).toHaveLength(2);
    stops[0]!();
    stops[2]!();
    await vi.waitFor(
      async () => expect(((await admin.call("PUBSUB", "NUMSUB", b)) as [string, number])[1]).toBe(0),
      { timeout: 5000 },
    );
    expect(await connections(names[client])).toHaveLength(2);
    stops[1]!();
    stops[1]!(); // twice is harmless
    await vi.waitFor(async () => expect(await connections(names[client])).toHaveLength(1), { timeout: 5000 });
    // A new subscription opens a new connection.
    const again = drivers[client].subscribe!(a, () => {});
    await subscribed(a);
    expect(await connections(names[client])).toHaveLength(2);
    again();
    await vi.waitFor(async () => expect(await connections(names[client])).toHaveLength(1), { timeout: 5000 });
  });

  it("reports a killed connection to onError without crashing, then receives again", async () => {
    const channel = key();
    const received: unknown[] = [];
    const errors: unknown[] = [];
    const stop = drivers[client].subscribe!(
      channel,
      (m) => received.push(m),
      (e) => errors.push(e),
    );
    try {
      await subscribed(channel);
      const [line] = (await connections(names[client])).filter((l) => / sub=1 /.test(l));
      const id = /\bid=(\d+)/.exec(line ?? "")?.[1];
      expect(id).toBeDefined();
      await admin.call("CLIENT", "KILL", "ID", id!);
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 5000 });
      expect(errors[0]).toBeInstanceOf(Error);
      // The client reconnects and resubscribes by itself.
      await vi.waitFor(
        async () => {
          await admin.publish(channel, '"back"');
          expect(received).toContain("back");
        },
        { timeout: 10000, interval: 100 },
      );
    } finally {
      stop();
    }
    await vi.waitFor(async () => expect(await connections(names[client])).toHaveLength(1), { timeout: 5000 });
  });
});
