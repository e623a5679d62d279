import { Client } from "@upstash/qstash";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./start-dev-server";
import { startTestSink, type TestSink } from "./testing/test-sink";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "./wire/defaults";

let dev: DevServer;
let sink: TestSink;
let client: Client;
const lines: string[] = [];

beforeEach(async () => {
  lines.length = 0;
  dev = await startDevServer({ port: 0, speed: 1000, write: (l) => void lines.push(l) });
  sink = await startTestSink(dev.signingKeys);
  client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
});
afterEach(async () => {
  const unverified = sink.received.filter((d) => !d.verified).map((d) => d.path);
  await dev.close();
  await sink.close();
  expect(unverified, "deliveries the official Receiver rejected").toEqual([]);
});

describe("publish and delivery", () => {
  it("uses QStash's documented local-development credentials by default", () => {
    expect(dev.token).toBe(DEFAULT_TOKEN);
    expect(dev.signingKeys).toEqual(DEFAULT_SIGNING_KEYS);
  });

  it("takes its own token and signing keys, and signs with the current one", async () => {
    const keys = { current: "sig_test_current_key_123", next: "sig_test_next_key_456" };
    const custom = await startDevServer({ port: 0, quiet: true, token: "t0ken", signingKeys: keys });
    const customSink = await startTestSink(keys);
    try {
      expect(custom).toMatchObject({ token: "t0ken", signingKeys: keys, durable: false });
      const own = new Client({ baseUrl: custom.url, token: "t0ken", retry: false });
      await own.publishJSON({ url: `${customSink.url}/own`, body: {} });
      const [delivery] = await customSink.waitFor(1);
      expect(delivery!.verified).toBe(true);
      await expect(
        new Client({ baseUrl: custom.url, token: DEFAULT_TOKEN, retry: false }).publishJSON({
          url: `${customSink.url}/x`,
          body: {},
        }),
      ).rejects.toThrow(/Unauthorized/);
    } finally {
      await custom.close();
      await customSink.close();
    }
  });

  it("says which credentials are in force: default, custom or random", async () => {
    expect(dev.credentials).toBe("default");
    const custom = await startDevServer({ port: 0, quiet: true, token: "t0ken" });
    const [a, b] = await Promise.all([
      startDevServer({ port: 0, quiet: true, randomCredentials: true }),
      startDevServer({ port: 0, quiet: true, randomCredentials: true }),
    ]);
    const randomSink = await startTestSink(a.signingKeys);
    try {
      expect(custom.credentials).toBe("custom");
      expect(a.credentials).toBe("random");
      expect(a.token).not.toBe(DEFAULT_TOKEN);
      expect(a.token).not.toBe(b.token);
      expect(a.signingKeys.current).toMatch(/^sig_[A-Za-z0-9]{28}$/);
      expect(a.signingKeys.next).toMatch(/^sig_[A-Za-z0-9]{28}$/);
      expect(a.signingKeys.current).not.toBe(b.signingKeys.current);
      expect(a.signingKeys.current).not.toBe(a.signingKeys.next);
      // The random token is the one the API wants, and deliveries are signed with the random key.
      await new Client({ baseUrl: a.url, token: a.token, retry: false }).publishJSON({
        url: `${randomSink.url}/random`,
        body: {},
      });
      const [delivery] = await randomSink.waitFor(1);
      expect(delivery!.verified).toBe(true);
      await expect(
        new Client({ baseUrl: a.url, token: DEFAULT_TOKEN, retry: false }).publishJSON({
          url: `${randomSink.url}/x`,
          body: {},
        }),
      ).rejects.toThrow(/Unauthorized/);
    } finally {
      await Promise.all([custom.close(), a.close(), b.close(), randomSink.close()]);
    }
    await expect(
      startDevServer({ port: 0, quiet: true, randomCredentials: true, token: "t" }),
    ).rejects.toThrow(/randomCredentials cannot be combined with token or signingKeys/);
  });

  it("says so when the port is taken, and refuses a speed that is not above 0", async () => {
    const port = Number(new URL(dev.url).port);
    await expect(startDevServer({ port, quiet: true })).rejects.toThrow(
      `port ${port} on 127.0.0.1 is taken (another switchboard dev?): stop it, or pass --port <n>`,
    );
    await expect(startDevServer({ port: 0, speed: 0 })).rejects.toThrow(/speed must be a number > 0/);
  });

  it("says so when the Redis REST port is taken, and frees the QStash port it had opened", async () => {
    const first = await startDevServer({
      port: 0,
      quiet: true,
      redisUrl: "redis://127.0.0.1:6379",
      redisPort: 0,
    });
    try {
      const redisPort = Number(new URL(first.redisRestUrl!).port);
      const error = await startDevServer({
        port: 0,
        quiet: true,
        redisUrl: "redis://127.0.0.1:6379",
        redisPort,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(
        `port ${redisPort} on 127.0.0.1 is taken (another switchboard dev?): stop it, or pass --redis-port <n>`,
      );
    } finally {
      await first.close();
    }
  });

  it("prints one line per accepted publish, enqueue, batch item and schedule", async () => {
    const { messageId } = await client.publishJSON({
      url: `${sink.url}/api/switchboard?job=send-email`,
      body: {},
      delay: "30s", // 30 ms at speed 1000
    });
    await client
      .queue({ queueName: "emails" })
      .enqueueJSON({ url: `${sink.url}/api/switchboard?job=q`, body: {} });
    await client.batchJSON([
      { url: `${sink.url}/api/switchboard?job=a`, body: {} },
      { url: `${sink.url}/api/switchboard?job=b`, body: {} },
    ]);
    const { scheduleId } = await client.schedules.create({
      destination: `${sink.url}/api/switchboard?job=digest`,
      cron: "0 9 * * *",
    });
    const queued = lines.filter((l) => l.includes("queued →"));
    expect(queued).toHaveLength(4);
    expect(queued[0]).toMatch(
      new RegExp(`queued → /api/switchboard\\?job=send-email {2}in 30ms {2}${messageId}\\n$`),
    );
    expect(queued[1]).toMatch(/queued → \/api\/switchboard\?job=q {2}queue emails {2}msg_\w+\n$/);
    expect(queued.slice(2).map((l) => /\?job=(\w)/.exec(l)?.[1])).toEqual(["a", "b"]);
    expect(lines.find((l) => l.includes("schedule "))).toMatch(
      new RegExp(
        `schedule ${scheduleId} → /api/switchboard\\?job=digest {2}cron "0 9 \\* \\* \\*" {2}next in `,
      ),
    );
  });

  it("still writes its lines to the deprecated logger option", async () => {
    const logged: string[] = [];
    const old = await startDevServer({ port: 0, logger: (l) => void logged.push(l) });
    try {
      const own = new Client({ baseUrl: old.url, token: old.token, retry: false });
      const { messageId } = await own.publishJSON({ url: `${sink.url}/x`, body: {}, delay: "1d" });
      expect(logged.join("")).toContain(messageId);
    } finally {
      await old.close();
    }
  });

  it("prints nothing about accepted messages when quiet", async () => {
    const quietLines: string[] = [];
    const quiet = await startDevServer({ port: 0, quiet: true, write: (l) => void quietLines.push(l) });
    try {
      const own = new Client({ baseUrl: quiet.url, token: quiet.token, retry: false });
      await own.publishJSON({ url: `${sink.url}/x`, body: {}, delay: "1d" });
      expect(quietLines).toEqual([]);
    } finally {
      await quiet.close();
    }
  });

  it("delivers a publishJSON with QStash's headers and a signature the official Receiver accepts", async () => {
    const { messageId } = await client.publishJSON({
      url: `${sink.url}/api/switchboard?job=send-email`,
      body: { hello: "wörld 🚀" },
      headers: { "X-Tenant": "acme" },
    });
    const [delivery] = await sink.waitFor(1);
    expect(delivery?.path).toBe("/api/switchboard?job=send-email");
    expect(delivery?.verified).toBe(true);
    expect(JSON.parse(delivery!.body)).toEqual({ hello: "wörld 🚀" });
    expect(delivery?.headers).toMatchObject({
      "user-agent": "Upstash-QStash",
      "content-type": "application/json",
      "upstash-message-id": messageId,
      "upstash-retried": "0",
      "x-tenant": "acme",
    });
    expect(delivery?.headers["upstash-caller-ip"]).toBeTruthy();
    // The line is printed once the response is read, just after the sink has the request.
    await expect.poll(() => lines.join("")).toMatch(/200\s+\/api\/switchboard\?job=send-email\s+attempt 1/);
  });

  it("rejects a wrong token and a bad destination with QStash-style errors", async () => {
    const bad = new Client({ baseUrl: dev.url, token: "nope", retry: false });
    await expect(bad.publishJSON({ url: `${sink.url}/x`, body: {} })).rejects.toThrow(/Unauthorized/);
    await expect(client.publishJSON({ url: "ftp://example.com/x", body: {} })).rejects.toThrow(
      /must use http or https/,
    );
    await expect(
      client.publishJSON({ url: `${sink.url}/x`, body: {}, delay: "soon" as never }),
    ).rejects.toThrow(/not a duration/);
  });

  it("waits for delay and not-before (divided by speed)", async () => {
    const started = Date.now();
    await client.publishJSON({ url: `${sink.url}/delayed`, body: {}, delay: "200s" }); // 200 ms at speed 1000
    await client.publishJSON({
      url: `${sink.url}/not-before`,
      body: {},
      notBefore: Math.floor(Date.now() / 1000) + 300,
    });
    const [delayed] = await sink.waitFor(1, (d) => d.path === "/delayed");
    expect(delayed!.at - started).toBeGreaterThanOrEqual(190);
    const [notBefore] = await sink.waitFor(1, (d) => d.path === "/not-before");
    expect(notBefore!.at - started).toBeGreaterThanOrEqual(250);
  });

  it("answers 202 with deduplicated: true for a repeated deduplication id", async () => {
    const first = await client.publishJSON({ url: `${sink.url}/d`, body: { n: 1 }, deduplicationId: "once" });
    const second = await client.publishJSON({
      url: `${sink.url}/d`,
      body: { n: 2 },
      deduplicationId: "once",
    });
    expect(second).toMatchObject({ messageId: first.messageId, deduplicated: true });
    const third = await client.publishJSON({
      url: `${sink.url}/d`,
      body: { n: 3 },
      contentBasedDeduplication: true,
    });
    const fourth = await client.publishJSON({
      url: `${sink.url}/d`,
      body: { n: 3 },
      contentBasedDeduplication: true,
    });
    expect(fourth).toMatchObject({ messageId: third.messageId, deduplicated: true });
    await sink.waitFor(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.received).toHaveLength(2);
  });

  it("publishes a batch in one request", async () => {
    const answers = await client.batchJSON([
      { url: `${sink.url}/a`, body: { n: 1 } },
      { url: `${sink.url}/b`, body: { n: 2 } },
    ]);
    expect(answers).toHaveLength(2);
    const deliveries = await sink.waitFor(2);
    expect(deliveries.map((d) => d.path).sort()).toEqual(["/a", "/b"]);
    expect(deliveries.every((d) => d.verified)).toBe(true);
  });

  it("fans out to every endpoint of a URL group", async () => {
    await client.urlGroups.addEndpoints({
      name: "team",
      endpoints: [{ url: `${sink.url}/one` }, { url: `${sink.url}/two` }],
    });
    const answers = await client.publishJSON({ urlGroup: "team", body: { hi: 1 } });
    expect(answers).toHaveLength(2);
    const deliveries = await sink.waitFor(2);
    expect(deliveries.every((d) => d.headers["upstash-topic-name"] === "team" && d.verified)).toBe(true);
    expect((await client.urlGroups.get("team")).endpoints).toHaveLength(2);
    await client.urlGroups.delete("team");
    expect(await client.urlGroups.list()).toEqual([]);
  });

  it("gets and cancels messages, one and many", async () => {
    const a = await client.publishJSON({ url: `${sink.url}/later`, body: {}, delay: "1d" });
    const b = await client.publishJSON({ url: `${sink.url}/later`, body: {}, delay: "1d" });
    const c = await client.publishJSON({ url: `${sink.url}/later`, body: {}, delay: "1d" });
    expect(await client.messages.get(a.messageId)).toMatchObject({
      messageId: a.messageId,
      url: `${sink.url}/later`,
    });
    await client.messages.delete(a.messageId);
    await expect(client.messages.get(a.messageId)).rejects.toThrow(/not found/);
    expect(await client.messages.cancel([b.messageId, c.messageId])).toEqual({ cancelled: 2 });
  });

  it("answers GET /v2/keys with the signing keys", async () => {
    const response = await fetch(`${dev.url}/v2/keys`, { headers: { Authorization: `Bearer ${dev.token}` } });
    expect(await response.json()).toEqual(dev.signingKeys);
  });
});

describe("retries, dead letters and callbacks", () => {
  it("retries failures with backoff until it succeeds", async () => {
    let calls = 0;
    sink.answer(() => ({ status: ++calls < 3 ? 500 : 200 }));
    await client.publishJSON({ url: `${sink.url}/flaky`, body: {}, retries: 3 });
    const deliveries = await sink.waitFor(3);
    expect(deliveries.map((d) => d.headers["upstash-retried"])).toEqual(["0", "1", "2"]);
    // QStash's default backoff before retry 1 is e^2.5 ≈ 12 s: 12 ms at speed 1000.
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(10);
    expect(lines.join("")).toMatch(/RETRY/);
  });

  it("honours Upstash-Retry-Delay and Retry-After", async () => {
    sink.answer((d) =>
      d.headers["upstash-retried"] === "0"
        ? { status: 429, headers: { "Retry-After": "300" } }
        : { status: 200 },
    );
    await client.publishJSON({ url: `${sink.url}/rate-limited`, body: {} });
    const [first, second] = await sink.waitFor(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(280); // 300 s / 1000
    sink.received.length = 0;
    sink.answer((d) => ({ status: d.headers["upstash-retried"] === "2" ? 200 : 503 }));
    await client.publishJSON({ url: `${sink.url}/custom`, body: {}, retryDelay: "100000 * (retried + 1)" });
    const custom = await sink.waitFor(3);
    expect(custom[2]!.at - custom[1]!.at).toBeGreaterThanOrEqual(180); // 200 000 ms / 1000
  });

  it("sends exhausted messages to the DLQ and calls the failure callback with QStash's body", async () => {
    sink.answer((d) =>
      d.path.startsWith("/work") ? { status: 500, body: '{"error":{"message":"boom"}}' } : { status: 200 },
    );
    const { messageId } = await client.publishJSON({
      url: `${sink.url}/work?job=x`,
      body: { order: 7 },
      retries: 1,
      failureCallback: `${sink.url}/failed?job=x&hook=failure`,
    });
    const [callback] = await sink.waitFor(1, (d) => d.path.startsWith("/failed"));
    expect(callback?.verified).toBe(true);
    const payload = JSON.parse(callback!.body);
    expect(payload).toMatchObject({
      status: 500,
      retried: 1,
      maxRetries: 1,
      sourceMessageId: messageId,
      url: `${sink.url}/work?job=x`,
      method: "POST",
    });
    expect(Buffer.from(payload.sourceBody, "base64").toString()).toBe('{"order":7}');
    expect(Buffer.from(payload.body, "base64").toString()).toBe('{"error":{"message":"boom"}}');
    const { messages } = await client.dlq.listMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ messageId, responseStatus: 500, dlqId: payload.dlqId });
    expect(lines.join("")).toMatch(/DEAD LETTER/);
  });

  it("dead-letters 489 + Upstash-NonRetryable-Error at once", async () => {
    sink.answer(() => ({ status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }));
    await client.publishJSON({ url: `${sink.url}/never`, body: {}, retries: 5 });
    await sink.waitFor(1);
    await expect.poll(async () => (await client.dlq.listMessages()).messages.length).toBe(1);
    expect(sink.received).toHaveLength(1);
  });

  it("times out slow deliveries and retries them", async () => {
    sink.answer((d) => ({ status: 200, delayMs: d.headers["upstash-retried"] === "0" ? 1500 : 0 }));
    await client.publishJSON({ url: `${sink.url}/slow`, body: {}, timeout: "1s", retries: 1 });
    await sink.waitFor(2, undefined, 5000);
    await expect.poll(() => lines.join("")).toMatch(/timed out after 1s/);
  });

  it("calls the success callback with the response", async () => {
    sink.answer((d) => (d.path === "/ok" ? { status: 200, body: '{"sent":true}' } : { status: 200 }));
    await client.publishJSON({ url: `${sink.url}/ok`, body: { a: 1 }, callback: `${sink.url}/done` });
    const [callback] = await sink.waitFor(1, (d) => d.path === "/done");
    const payload = JSON.parse(callback!.body);
    expect(payload.status).toBe(200);
    expect(Buffer.from(payload.body, "base64").toString()).toBe('{"sent":true}');
  });

  it("lists, retries and deletes DLQ entries with filters and cursors", async () => {
    sink.answer((d) => ({
      status: d.headers["upstash-retried"] === "0" && !d.path.includes("retry-ok") ? 489 : 200,
      headers: { "Upstash-NonRetryable-Error": "true" },
    }));
    for (let i = 0; i < 3; i++)
      await client.publishJSON({
        url: `${sink.url}/dlq-${i}`,
        body: { i },
        retries: 0,
        label: i === 0 ? "first" : "other",
      });
    await expect.poll(async () => (await client.dlq.listMessages()).messages.length).toBe(3);
    const page = await client.dlq.listMessages({ count: 2 });
    expect(page.messages).toHaveLength(2);
    expect(page.cursor).toBeTruthy();
    const filtered = await client.dlq.listMessages({ filter: { label: "first" } });
    expect(filtered.messages).toHaveLength(1);
    sink.answer(() => ({ status: 200 }));
    const { responses } = await client.dlq.retry([filtered.messages[0]!.dlqId]);
    expect(responses).toHaveLength(1);
    await sink.waitFor(4);
    const rest = (await client.dlq.listMessages()).messages.map((m) => m.dlqId);
    expect(await client.dlq.delete(rest)).toMatchObject({ deleted: 2 });
    expect((await client.dlq.listMessages()).messages).toEqual([]);
  });

  it("records events", async () => {
    await client.publishJSON({ url: `${sink.url}/e`, body: {} });
    await sink.waitFor(1);
    await expect.poll(async () => (await client.events()).events.map((e) => e.state)).toContain("DELIVERED");
  });
});
