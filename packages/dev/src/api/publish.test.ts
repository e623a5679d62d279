import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer();

/** A raw publish, the way the SDK sends it: the destination appended to the path unencoded. */
function publish(destination: string, headers: Record<string, string> = {}, body = "{}") {
  return fetch(`${t.dev.url}/v2/publish/${destination}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${t.dev.token}`, "Content-Type": "application/json", ...headers },
    body,
  });
}

describe("publish API", () => {
  it("keeps the destination's query string exactly, as the signature's sub", async () => {
    const url = `${t.sink.url}/api/switchboard?job=send-email&tags=a,b&empty=`;
    const response = await publish(url);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ messageId: expect.stringMatching(/^msg_/), url });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery!.path).toBe("/api/switchboard?job=send-email&tags=a,b&empty=");
  });

  it("answers bad requests with { error } saying what is wrong", async () => {
    const cases: [Response, number, RegExp][] = [
      [await publish("localhost:3000/api"), 400, /has no scheme; publish to http:\/\/localhost:3000\/api/],
      [await publish("no-such-group"), 404, /neither a URL .* nor an existing URL group/],
      [
        await publish(`${t.sink.url}/x`, { "Upstash-Delay": "3x" }),
        400,
        /^Upstash-Delay: "3x" is not a duration/,
      ],
      [
        await publish(`${t.sink.url}/x`, { "Upstash-Retry-Delay": "require('fs')" }),
        400,
        /Upstash-Retry-Delay/,
      ],
      [await publish(`${t.sink.url}/x`, { "Upstash-Flow-Control-Value": "rate=0" }), 400, /rate must be/],
      [
        await fetch(`${t.dev.url}/v2/nowhere`, { headers: { Authorization: `Bearer ${t.dev.token}` } }),
        404,
        /not a QStash API route/,
      ],
    ];
    for (const [response, status, message] of cases) {
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sink.received).toEqual([]);
  });

  it("refuses retry-delay expressions that name inherited properties or nest too deep, with 400 { error }", async () => {
    for (const expression of [
      "valueOf(retried)",
      "constructor(retried)",
      "hasOwnProperty(retried)",
      "toString(retried)",
      "__proto__(retried)",
      `${"(".repeat(5_000)}1${")".repeat(5_000)}`, // Node itself answers 431 past 16 KB of headers
      `${"(".repeat(100)}1${")".repeat(100)}`,
    ]) {
      const response = await publish(`${t.sink.url}/x`, { "Upstash-Retry-Delay": expression });
      expect(response.status, expression.slice(0, 20)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /^Upstash-Retry-Delay ".*" is invalid/,
      );
    }
    expect(t.sink.received).toEqual([]);
  });

  it("delivers bodies byte for byte, with the method and forwarded headers asked for", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41]);
    await fetch(`${t.dev.url}/v2/publish/${t.sink.url}/bin`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${t.dev.token}`,
        "Content-Type": "application/octet-stream",
        "Upstash-Method": "PUT",
        "Upstash-Forward-X-Trace": "t-1",
      },
      body: bytes,
    });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery!.verified).toBe(true);
    expect(delivery!.headers["content-type"]).toBe("application/octet-stream");
    expect(delivery!.headers["x-trace"]).toBe("t-1");
    expect(delivery!.method).toBe("PUT");
    expect(delivery!.raw.equals(bytes)).toBe(true);
  });

  it("answers 202 with the first message's id for a duplicate, by id or by content", async () => {
    const first = await publish(`${t.sink.url}/d`, { "Upstash-Deduplication-Id": "order-7" });
    const again = await publish(`${t.sink.url}/d`, { "Upstash-Deduplication-Id": "order-7" }, '{"other":1}');
    expect(again.status).toBe(202);
    const { messageId } = (await first.json()) as { messageId: string };
    expect(await again.json()).toEqual({ messageId, url: `${t.sink.url}/d`, deduplicated: true });
    const headers = { "Upstash-Content-Based-Deduplication": "true", "Upstash-Forward-X-A": "1" };
    expect((await publish(`${t.sink.url}/c`, headers)).status).toBe(201);
    expect((await publish(`${t.sink.url}/c`, headers)).status).toBe(202);
    expect((await publish(`${t.sink.url}/c`, { ...headers, "Upstash-Forward-X-A": "2" })).status).toBe(201);
    await t.sink.waitFor(3);
  });

  it("lets Upstash-Not-Before win over Upstash-Delay", async () => {
    const before = Date.now();
    await t.client.publishJSON({
      url: `${t.sink.url}/nb`,
      body: {},
      delay: "1d", // 86 s at speed 1000: far beyond this test
      notBefore: Math.floor(Date.now() / 1000) + 200, // ~200 ms at speed 1000
    });
    const [delivery] = await t.sink.waitFor(1, undefined, 5000);
    expect(delivery!.at - before).toBeLessThan(5000);
  });

  it("publishes a batch to URLs, a URL group and a queue in one request", async () => {
    await t.client.urlGroups.addEndpoints({
      name: "pair",
      endpoints: [{ url: `${t.sink.url}/g1` }, { url: `${t.sink.url}/g2` }],
    });
    const answers = await t.client.batchJSON([
      { url: `${t.sink.url}/b1`, body: { n: 1 } },
      { urlGroup: "pair", body: { n: 2 } },
      { url: `${t.sink.url}/b3`, body: { n: 3 }, queueName: "batched" },
    ]);
    expect(answers).toHaveLength(3);
    expect(answers[1]).toHaveLength(2);
    const deliveries = await t.sink.waitFor(4);
    expect(deliveries.map((d) => d.path).sort()).toEqual(["/b1", "/b3", "/g1", "/g2"]);
    expect(await t.client.queue({ queueName: "batched" }).get()).toMatchObject({
      name: "batched",
      parallelism: 1,
    });
  });

  it("checks every batch item before accepting any", async () => {
    const response = await fetch(`${t.dev.url}/v2/batch`, {
      method: "POST",
      headers: { Authorization: `Bearer ${t.dev.token}` },
      body: JSON.stringify([
        { destination: `${t.sink.url}/ok`, body: "{}" },
        { destination: `${t.sink.url}/bad`, headers: { "Upstash-Delay": "later" }, body: "{}" },
      ]),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/Upstash-Delay: "later"/);
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sink.received).toEqual([]);
  });

  it("validates a whole batch before accepting any item, naming the item and field", async () => {
    const batch = (items: unknown) =>
      fetch(`${t.dev.url}/v2/batch`, {
        method: "POST",
        headers: { Authorization: `Bearer ${t.dev.token}` },
        body: JSON.stringify(items),
      });
    const ok = { destination: `${t.sink.url}/ok`, body: "{}" };
    const cases: [unknown, RegExp][] = [
      [[ok, { destination: `${t.sink.url}/b`, body: { n: 1 } }], /batch item 1: "body" must be a string/],
      [[ok, { destination: `${t.sink.url}/b`, body: 42 }], /batch item 1: "body" must be a string/],
      [[ok, null], /batch item 1: must be an object/],
      [[ok, { destination: `${t.sink.url}/b`, headers: "x" }], /batch item 1: "headers" must be an object/],
      [
        [ok, { destination: `${t.sink.url}/b`, headers: { "Upstash-Delay": 5 } }],
        /batch item 1: "headers.Upstash-Delay" must be a string/,
      ],
      [[ok, { destination: `${t.sink.url}/b`, queue: 7 }], /batch item 1: "queue" must be a string/],
      [[ok, { destination: "no-such-group" }], /batch item 1: .*neither a URL/],
      [[ok, { destination: "localhost:3000/x" }], /batch item 1: .*has no scheme/],
      [
        [ok, { destination: `${t.sink.url}/b`, headers: { "Upstash-Retry-Delay": "valueOf(retried)" } }],
        /batch item 1: Upstash-Retry-Delay/,
      ],
    ];
    for (const [items, message] of cases) {
      const response = await batch(items);
      expect(response.status, String(message)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sink.received).toEqual([]);
  });

  it("gives each batch item its own headers' options, whether or not they repeat the item before", async () => {
    const same = { "Upstash-Retries": "2", "Upstash-Forward-X-Tenant": "acme", "Upstash-Label": "a" };
    const items = [
      { destination: `${t.sink.url}/0`, headers: same, body: "{}" },
      { destination: `${t.sink.url}/1`, headers: { ...same }, body: "{}" },
      { destination: `${t.sink.url}/2`, headers: { ...same, "Upstash-Label": "b" }, body: "{}" },
      { destination: `${t.sink.url}/3`, headers: { ...same, "Upstash-Retries": "5" }, body: "{}" },
      // The same names and values in another order: the last spelling of a name wins.
      { destination: `${t.sink.url}/4`, headers: { "upstash-label": "c", "Upstash-Label": "d" }, body: "{}" },
      { destination: `${t.sink.url}/5`, headers: { "Upstash-Label": "d", "upstash-label": "c" }, body: "{}" },
      { destination: `${t.sink.url}/6`, body: "{}" },
    ];
    const response = await fetch(`${t.dev.url}/v2/batch`, {
      method: "POST",
      headers: { Authorization: `Bearer ${t.dev.token}` },
      body: JSON.stringify(
        items.map((item) => ({ ...item, headers: { "Upstash-Delay": "1d", ...item.headers } })),
      ),
    });
    expect(response.status).toBe(200);
    const answers = (await response.json()) as { messageId: string }[];
    const stored = await Promise.all(answers.map((a) => t.client.messages.get(a.messageId)));
    expect(stored.map((m) => [m.maxRetries, m.label, m.header?.["X-Tenant"]])).toEqual([
      [2, "a", ["acme"]],
      [2, "a", ["acme"]],
      [2, "b", ["acme"]],
      [5, "a", ["acme"]],
      [3, "d", undefined],
      [3, "c", undefined],
      [3, undefined, undefined],
    ]);
  });

  it("refuses a bad header value even when the item before had the same header names", async () => {
    const response = await fetch(`${t.dev.url}/v2/batch`, {
      method: "POST",
      headers: { Authorization: `Bearer ${t.dev.token}` },
      body: JSON.stringify([
        { destination: `${t.sink.url}/ok`, headers: { "Upstash-Delay": "1d" }, body: "{}" },
        { destination: `${t.sink.url}/ok`, headers: { "Upstash-Delay": "1d" }, body: "{}" },
        { destination: `${t.sink.url}/bad`, headers: { "Upstash-Delay": "soon" }, body: "{}" },
      ]),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^batch item 2: Upstash-Delay: "soon"/,
    );
  });

  it("answers 400, not 500, for malformed %-encoding in a path or query", async () => {
    const auth = { Authorization: `Bearer ${t.dev.token}` };
    for (const [method, path] of [
      ["GET", "/v2/messages/%E0%A4%A"],
      ["DELETE", "/v2/messages/%"],
      ["GET", "/v2/queues/%ZZ"],
      ["POST", "/v2/enqueue/%E0%A4%A/http://127.0.0.1:1/x"],
      ["POST", "/v2/publish/https%3A%2F%2Fexample.com%2F%E0%A4%A"],
      ["GET", "/v2/dlq?url=%E0%A4%A"],
    ] as const) {
      const response = await fetch(`${t.dev.url}${path}`, { method, headers: auth });
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/%-encoding/);
    }
  });

  it("refuses absurd delays and not-before times at publish instead of delivering them at once later", async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const cases: [Record<string, string>, RegExp][] = [
      [{ "Upstash-Delay": "99999999999d" }, /^Upstash-Delay: "99999999999d" is longer than .*365d/],
      [{ "Upstash-Delay": "366d" }, /^Upstash-Delay/],
      [{ "Upstash-Delay": "9".repeat(400) }, /^Upstash-Delay/],
      [
        { "Upstash-Not-Before": "253402300800" },
        /^Upstash-Not-Before: "253402300800" is more than 365d ahead/,
      ],
      [{ "Upstash-Not-Before": String(nowSeconds + 366 * 86_400) }, /^Upstash-Not-Before/],
      [{ "Upstash-Not-Before": "1e400" }, /^Upstash-Not-Before/],
      [{ "Upstash-Timeout": "99999999999d" }, /^Upstash-Timeout: .* \(1d\)/],
      [
        { "Upstash-Callback": `${t.sink.url}/cb`, "Upstash-Callback-Delay": "400d" },
        /^Upstash-Callback-Delay/,
      ],
      [{ "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "rate=1, period=999999d" }, /period/],
    ];
    for (const [headers, message] of cases) {
      const response = await publish(`${t.sink.url}/x`, headers);
      expect(response.status, JSON.stringify(headers).slice(0, 80)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect((await publish(`${t.sink.url}/x`, { "Upstash-Delay": "365d" })).status).toBe(201);
    expect(
      (await publish(`${t.sink.url}/x`, { "Upstash-Not-Before": String(nowSeconds + 300 * 86_400) })).status,
    ).toBe(201);
  });
});
