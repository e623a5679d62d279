import { encodeCallbackBody, signPayload } from "@switchboard/wire";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { createSignedRequest } from "../testing/create-signed-request";
import { mockQStash } from "../testing/mock-qstash";

// The route's side of digests over msw: what a delivery stores and schedules, what a flush
// delivers. State is this process's memory store (no `redis`); each test uses its own channel.
// The same flow over real HTTP, the dev server and Redis is in @switchboard/dev (digests.test.ts).
const qstash = mockQStash({ baseUrl: "https://qstash.test" });
const server = setupServer(...qstash.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => qstash.reset());
afterAll(() => server.close());

const url = "https://app.example.com/api/switchboard";
const sb = createSwitchboard({
  url,
  qstash: { token: "t", baseUrl: "https://qstash.test" },
  signingKeys: { current: "k1", next: "k2" },
  logger: { warn: () => {}, error: () => {} },
});
const schema = z.object({
  userId: z.string(),
  n: z.number(),
  at: z.string().transform((s) => s.toUpperCase()),
});
type Event = z.output<typeof schema>;

let test = 0;
let delivered: { events: Event[]; key: string; count: number; batch: string; attempt: number }[] = [];
let failNext = 0;
let hooks: string[] = [];
beforeEach(() => {
  test++;
  delivered = [];
  failNext = 0;
  hooks = [];
});

function digestChannel(options: { max?: number; key?: (e: Event) => string } = {}) {
  const channel = sb.createChannel({
    name: `comments-${test}`,
    schema,
    retries: 2,
    onFailure: () => void hooks.push("channel-failure"),
    subscribers: {
      inApp: async () => {},
      email: {
        timeout: "20s",
        digest: { key: options.key ?? ((e) => e.userId), window: "10m", max: options.max ?? 1000 },
        handler: async (events, ctx) => {
          if (failNext-- > 0) throw new Error("mail provider is down");
          delivered.push({ events, key: ctx.key, count: ctx.count, batch: ctx.batch, attempt: ctx.attempt });
          return { sent: events.length };
        },
        onSuccess: ({ events, key, result }) =>
          void hooks.push(`success:${key}:${events.length}:${JSON.stringify(result)}`),
        onFailure: ({ events, key, error }) =>
          void hooks.push(`failure:${key}:${events.length}:${error.status}`),
      },
    },
  });
  return { channel, route: sb.handler({ channels: [channel] }) };
}

const event = (n: number, userId = "u1") => ({ userId, n, at: `t${n}` });

/** A signed delivery of a raw body to `target` (a flush, which createSignedRequest cannot name). */
async function signed(target: string, body: string, messageId: string, headers: Record<string, string> = {}) {
  const signature = await signPayload({ key: "k1", url: target, body });
  return new Request(target, {
    method: "POST",
    headers: { "Upstash-Signature": signature, "Upstash-Message-Id": messageId, ...headers },
    body,
  });
}

const flushes = () => qstash.messages.filter((m) => m.destination.includes("flush=1"));

describe("a digest subscriber's deliveries", () => {
  it("publishes the email subscriber's events without per-event hooks (its hooks follow the flush)", async () => {
    const { channel } = digestChannel();
    await channel.publish(event(1));
    const email = qstash.messages.find((m) => m.destination.endsWith("subscriber=email"));
    expect(email?.headers["upstash-failure-callback"]).toBeUndefined();
    const inApp = qstash.messages.find((m) => m.destination.endsWith("subscriber=inApp"));
    expect(inApp?.headers["upstash-failure-callback"]).toContain("hook=failure");
  });

  it("collects a key's events and schedules one flush for the window, deduplicated by bucket", async () => {
    const { channel, route } = digestChannel();
    for (const n of [1, 2, 3]) {
      const request = await createSignedRequest(sb, channel, event(n), {
        subscriber: "email",
        messageId: `m${test}-${n}`,
      });
      expect((await route(request)).status).toBe(200);
    }
    expect(delivered).toEqual([]);
    expect(flushes()).toHaveLength(1);
    const [flush] = flushes();
    expect(flush?.destination).toBe(`${url}?channel=comments-${test}&subscriber=email&flush=1`);
    expect(flush?.body).toEqual({ key: "u1", bucket: `m${test}-1` });
    expect(flush?.headers).toMatchObject({
      "upstash-delay": "600s",
      "upstash-retries": "2",
      "upstash-timeout": "20s",
      "upstash-deduplication-id": `sb-flush.comments-${test}.email.m${test}-1.delayed`,
    });
  });

  it("delivers every event of the bucket once, in order, through the schema, when the flush comes", async () => {
    const { channel, route } = digestChannel();
    for (const n of [1, 2, 3]) {
      await route(
        await createSignedRequest(sb, channel, event(n), { subscriber: "email", messageId: `m${test}-${n}` }),
      );
    }
    // A retried delivery (same message id): appended once.
    await route(
      await createSignedRequest(sb, channel, event(2), {
        subscriber: "email",
        messageId: `m${test}-2`,
        retried: 1,
      }),
    );
    const [flush] = flushes();
    const response = await route(await signed(flush!.destination, JSON.stringify(flush!.body), "flush-1"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sent: 3 });
    expect(delivered).toEqual([
      {
        events: [1, 2, 3].map((n) => ({ userId: "u1", n, at: `T${n}` })),
        key: "u1",
        count: 3,
        batch: "digest",
        attempt: 1,
      },
    ]);
    // The same flush again, or another flush for the bucket: 200, nothing delivered.
    expect(
      (await route(await signed(flush!.destination, JSON.stringify(flush!.body), "flush-1"))).status,
    ).toBe(200);
    expect(
      (await route(await signed(flush!.destination, JSON.stringify(flush!.body), "flush-2"))).status,
    ).toBe(200);
    expect(delivered).toHaveLength(1);
    // New events open a new bucket with its own flush.
    await route(
      await createSignedRequest(sb, channel, event(4), { subscriber: "email", messageId: `m${test}-4` }),
    );
    expect(flushes().map((m) => (m.body as { bucket: string }).bucket)).toEqual([`m${test}-1`, `m${test}-4`]);
  });

  it("keeps keys apart", async () => {
    const { channel, route } = digestChannel();
    await route(
      await createSignedRequest(sb, channel, event(1, "u1"), {
        subscriber: "email",
        messageId: `m${test}-1`,
      }),
    );
    await route(
      await createSignedRequest(sb, channel, event(2, "u2"), {
        subscriber: "email",
        messageId: `m${test}-2`,
      }),
    );
    expect(flushes().map((m) => m.body)).toEqual([
      { key: "u1", bucket: `m${test}-1` },
      { key: "u2", bucket: `m${test}-2` },
    ]);
  });

  it("retries a failing handler with the same events until it succeeds", async () => {
    const { channel, route } = digestChannel();
    await route(
      await createSignedRequest(sb, channel, event(1), { subscriber: "email", messageId: `m${test}-1` }),
    );
    const [flush] = flushes();
    failNext = 1;
    const failed = await route(await signed(flush!.destination, JSON.stringify(flush!.body), "f"));
    expect(failed.status).toBe(500);
    expect(delivered).toEqual([]);
    // Meanwhile a new event opens a new bucket: the failing one is sealed.
    await route(
      await createSignedRequest(sb, channel, event(2), { subscriber: "email", messageId: `m${test}-2` }),
    );
    const retried = await route(
      await signed(flush!.destination, JSON.stringify(flush!.body), "f", { "Upstash-Retried": "1" }),
    );
    expect(retried.status).toBe(200);
    expect(delivered.map((d) => [d.events.map((e) => e.n), d.attempt])).toEqual([[[1], 2]]);
  });

  it("flushes at once when max is reached, and the window's flush then finds nothing", async () => {
    const { channel, route } = digestChannel({ max: 2 });
    await route(
      await createSignedRequest(sb, channel, event(1), { subscriber: "email", messageId: `m${test}-1` }),
    );
    await route(
      await createSignedRequest(sb, channel, event(2), { subscriber: "email", messageId: `m${test}-2` }),
    );
    const [delayed, now] = flushes();
    expect(delayed?.headers["upstash-delay"]).toBe("600s");
    expect(now?.headers["upstash-delay"]).toBeUndefined();
    expect(now?.headers["upstash-deduplication-id"]).toBe(`sb-flush.comments-${test}.email.m${test}-1.now`);
    await route(await signed(now!.destination, JSON.stringify(now!.body), "f-now"));
    await route(await signed(delayed!.destination, JSON.stringify(delayed!.body), "f-delayed"));
    expect(delivered.map((d) => d.events.map((e) => e.n))).toEqual([[1, 2]]);
  });

  it("fails the delivery, retriably, when key returns no usable string: the event is never dropped", async () => {
    for (const bad of ["", "x".repeat(201), 42]) {
      const { channel, route } = digestChannel({ key: () => bad as string });
      const response = await route(await createSignedRequest(sb, channel, event(1), { subscriber: "email" }));
      expect(response.status).toBe(500);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("HANDLER_FAILED");
      expect(error.message).toMatch(/digest\.key must return a non-empty string of at most 200 characters/);
      test++;
    }
    expect(flushes()).toEqual([]);
  });

  it("dead-letters an event too large to collect, saying so", async () => {
    const { channel, route } = digestChannel();
    const big = { userId: "u1", n: 1, at: "x".repeat(300 * 1024) };
    const response = await route(await createSignedRequest(sb, channel, big, { subscriber: "email" }));
    expect(response.status).toBe(489);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /collects events of at most 262144 bytes/,
    );
  });

  it("takes the event back and fails the delivery when the flush cannot be scheduled", async () => {
    const { channel, route } = digestChannel();
    server.use(
      http.post(
        "https://qstash.test/v2/publish/*",
        () => HttpResponse.json({ error: "down" }, { status: 500 }),
        { once: true },
      ),
    );
    const failed = await route(
      await createSignedRequest(sb, channel, event(1), { subscriber: "email", messageId: `m${test}-1` }),
    );
    expect(failed.status).toBe(500);
    // QStash retries the delivery: appended (not a duplicate), and this time the flush goes out.
    const retried = await route(
      await createSignedRequest(sb, channel, event(1), {
        subscriber: "email",
        messageId: `m${test}-1`,
        retried: 1,
      }),
    );
    expect(retried.status).toBe(200);
    const [flush] = flushes();
    await route(await signed(flush!.destination, JSON.stringify(flush!.body), "f"));
    expect(delivered.map((d) => d.events.map((e) => e.n))).toEqual([[1]]);
  });

  it("runs the subscriber's hooks with the bucket's events, not the channel's", async () => {
    const { channel, route } = digestChannel();
    await route(
      await createSignedRequest(sb, channel, event(1), { subscriber: "email", messageId: `m${test}-1` }),
    );
    await route(
      await createSignedRequest(sb, channel, event(2), { subscriber: "email", messageId: `m${test}-2` }),
    );
    await route(
      await createSignedRequest(sb, channel, event(3, "u2"), {
        subscriber: "email",
        messageId: `m${test}-3`,
      }),
    );
    const [ok, failing] = flushes();
    expect(ok?.headers["upstash-callback"]).toBe(`${ok?.destination}&hook=success`);
    expect(ok?.headers["upstash-failure-callback"]).toBe(`${ok?.destination}&hook=failure`);
    const callback = (flush: typeof ok, hook: "success" | "failure", messageId: string) =>
      JSON.stringify(
        encodeCallbackBody({
          response: {
            status: hook === "success" ? 200 : 500,
            body: new TextEncoder().encode(hook === "success" ? '{"sent":2}' : "down"),
          },
          source: {
            messageId,
            url: flush!.destination,
            body: new TextEncoder().encode(JSON.stringify(flush!.body)),
            retried: hook === "success" ? 0 : 2,
            maxRetries: 2,
            createdAt: Date.now(),
            callerIp: "127.0.0.1",
          },
        }),
      );
    // u1's bucket is delivered, then its success callback comes.
    expect((await route(await signed(ok!.destination, JSON.stringify(ok!.body), "f1"))).status).toBe(200);
    const success = await route(
      await signed(`${ok!.destination}&hook=success`, callback(ok, "success", "f1"), "cb1"),
    );
    expect(success.status).toBe(200);
    // u2's bucket fails for good, then its failure callback comes.
    failNext = 1;
    expect(
      (await route(await signed(failing!.destination, JSON.stringify(failing!.body), "f2"))).status,
    ).toBe(500);
    const failure = await route(
      await signed(`${failing!.destination}&hook=failure`, callback(failing, "failure", "f2"), "cb2"),
    );
    expect(failure.status).toBe(200);
    expect(hooks).toEqual(['success:u1:2:{"sent":2}', "failure:u2:1:500"]);
  });

  it("reports no failure for a flush whose bucket another flush delivered", async () => {
    const { channel, route } = digestChannel({ max: 1 });
    await route(
      await createSignedRequest(sb, channel, event(1), { subscriber: "email", messageId: `m${test}-1` }),
    );
    const [now] = flushes(); // max 1: due at once
    await route(await signed(now!.destination, JSON.stringify(now!.body), "f-now"));
    const failed = JSON.stringify(
      encodeCallbackBody({
        response: { status: 429, body: new TextEncoder().encode("busy") },
        source: {
          messageId: "f-delayed",
          url: now!.destination,
          body: new TextEncoder().encode(JSON.stringify(now!.body)),
          retried: 2,
          maxRetries: 2,
          createdAt: Date.now(),
          callerIp: "127.0.0.1",
        },
      }),
    );
    expect((await route(await signed(`${now!.destination}&hook=failure`, failed, "cb"))).status).toBe(200);
    expect(delivered).toHaveLength(1);
    expect(hooks).toEqual([]); // the subscriber's onFailure did not run
  });

  it("keeps a key that spells another key's state apart from it", async () => {
    const { channel, route } = digestChannel();
    for (const [n, userId] of [
      [1, "a"],
      [2, `a}:e:m${test}-1`], // would be key "a"'s event list if keys went into Redis keys raw
    ] as const) {
      await route(
        await createSignedRequest(
          sb,
          channel,
          { userId, n, at: "t" },
          { subscriber: "email", messageId: `m${test}-${n}` },
        ),
      );
    }
    expect(flushes().map((m) => m.body)).toEqual([
      { key: "a", bucket: `m${test}-1` },
      { key: `a}:e:m${test}-1`, bucket: `m${test}-2` },
    ]);
    for (const flush of flushes())
      await route(await signed(flush.destination, JSON.stringify(flush.body), `f-${flush.messageId}`));
    expect(delivered.map((d) => [d.key, d.events.map((e) => e.n)])).toEqual([
      ["a", [1]],
      [`a}:e:m${test}-1`, [2]],
    ]);
  });

  it("refuses a forged Upstash-Message-Id that could reach into other state", async () => {
    const { channel, route } = digestChannel();
    const request = await createSignedRequest(sb, channel, event(1), {
      subscriber: "email",
      messageId: "x}:open",
    });
    const response = await route(request);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /is missing or not a QStash message id/,
    );
    expect(flushes()).toEqual([]);
  });

  it("refuses a flush body that is not { key, bucket } without retrying", async () => {
    const { route } = digestChannel();
    const target = `${url}?channel=comments-${test}&subscriber=email&flush=1`;
    expect((await route(await signed(target, '{"bucket":1}', "f"))).status).toBe(489);
    expect((await route(await signed(target, '{"key":"u1","bucket":"a}:open"}', "f"))).status).toBe(489);
    expect((await route(await signed(target, `{"key":"${"k".repeat(201)}","bucket":"b"}`, "f"))).status).toBe(
      489,
    );
    // The per-event subscriber has no flush.
    expect(
      (await route(await signed(`${url}?channel=comments-${test}&subscriber=inApp&flush=1`, "{}", "f")))
        .status,
    ).toBe(489);
  });
});

describe("a debounce subscriber", () => {
  it("re-schedules a flush that arrives before the key went quiet, for the time left", async () => {
    let clock = Date.UTC(2026, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"] });
    onTestFinished(() => void vi.useRealTimers());
    const received: number[][] = [];
    const channel = sb.createChannel({
      name: `debounced-${test}`,
      schema,
      subscribers: {
        sms: {
          debounce: { key: (e) => e.userId, wait: "30s", maxWait: "5m" },
          handler: async (events, ctx) => {
            expect(ctx.batch).toBe("debounce");
            received.push(events.map((e) => e.n));
          },
        },
      },
    });
    const route = sb.handler({ channels: [channel] });
    const at = (ms: number) => vi.setSystemTime(ms);
    at(clock);
    await route(
      await createSignedRequest(sb, channel, event(1), { subscriber: "sms", messageId: `d${test}-1` }),
    );
    clock += 20_000;
    at(clock);
    await route(
      await createSignedRequest(sb, channel, event(2), { subscriber: "sms", messageId: `d${test}-2` }),
    );
    const [first] = flushes();
    expect(first?.headers["upstash-delay"]).toBe("30s");
    clock += 10_000; // the first flush, 30 s after the first event: 10 s after the last, 20 s early
    at(clock);
    await route(await signed(first!.destination, JSON.stringify(first!.body), "f1"));
    expect(received).toEqual([]);
    const [, again] = flushes();
    expect(again?.headers["upstash-delay"]).toBe("20s");
    expect(again?.body).toEqual(first?.body);
    clock += 20_000;
    at(clock);
    await route(await signed(again!.destination, JSON.stringify(again!.body), "f2"));
    expect(received).toEqual([[1, 2]]);
  });

  it("delivers at maxWait however busy the key stays", async () => {
    let clock = Date.UTC(2026, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"] });
    onTestFinished(() => void vi.useRealTimers());
    const received: number[][] = [];
    const channel = sb.createChannel({
      name: `busy-${test}`,
      schema,
      subscribers: {
        sms: {
          debounce: { key: (e) => e.userId, wait: "30s", maxWait: "1m" },
          handler: async (events) => void received.push(events.map((e) => e.n)),
        },
      },
    });
    const route = sb.handler({ channels: [channel] });
    const flushAt = async (messageId: string) => {
      const flush = flushes().at(-1)!;
      await route(await signed(flush.destination, JSON.stringify(flush.body), messageId));
    };
    // An event every 20 s: the key never goes quiet for 30 s.
    for (const n of [1, 2, 3, 4]) {
      vi.setSystemTime(clock);
      await route(
        await createSignedRequest(sb, channel, event(n), { subscriber: "sms", messageId: `b${test}-${n}` }),
      );
      if (n === 2) await flushAt("early"); // at 20 s: due at 50 s (quiet), re-scheduled
      clock += 20_000;
    }
    expect(flushes().at(-1)?.headers["upstash-delay"]).toBe("30s");
    vi.setSystemTime(Date.UTC(2026, 0, 1) + 60_000); // maxWait after the first event
    await flushAt("due");
    expect(received).toEqual([[1, 2, 3, 4]]);
  });
});

describe("createChannel validates digest and debounce options", () => {
  const make = (subscriber: unknown) => () =>
    sb.createChannel({ name: "v", schema, subscribers: { s: subscriber as never } });
  const handler = async () => {};
  const key = (): string => "k";
  it.each<[unknown, RegExp]>([
    [
      {
        digest: { key: (e: Event) => e.userId, window: "10m" },
        debounce: { key, wait: "1s" },
        handler,
      },
      /not both/,
    ],
    [{ digest: "10m", handler }, /`digest` must be \{ key/],
    [{ digest: { window: "10m" }, handler }, /digest\.key must be a function/],
    [{ digest: { key, window: "soon" }, handler }, /"soon" is not a duration/],
    [{ digest: { key, window: 0 }, handler }, /from 1 second to 7 days/],
    [{ digest: { key, window: "8d" }, handler }, /from 1 second to 7 days/],
    [{ digest: { key, window: "1m", max: 0 }, handler }, /max must be a whole number from 1 to 10000/],
    [{ digest: { key, window: "1m", max: 1.5 }, handler }, /max must be a whole number/],
    [{ digest: { key, window: "1m", max: 10_001 }, handler }, /from 1 to 10000/],
    [{ digest: { key, window: "1m", wait: "1s" }, handler }, /unknown digest option "wait"/],
    [{ digest: { key, window: "1m", prefix: "a b" }, handler }, /prefix must be/],
    [
      { debounce: { key, wait: "1m", maxWait: "30s" }, handler },
      /maxWait \(30s\) must be at least debounce\.wait \(60s\)/,
    ],
    [{ debounce: { key }, handler }, /debounce\.wait must be seconds or a duration/],
    [{ digest: { key, window: "1m" }, handler, onSuccess: "yes" }, /onSuccess must be a function/],
    [{ digest: { key, window: "1m" }, handler, retries: -1 }, /retries must be a whole number/],
  ])("refuses %j", (subscriber, message) => {
    expect(make(subscriber)).toThrow(message);
  });

  it("accepts seconds as numbers and durations as strings", () => {
    expect(make({ digest: { key, window: 90, max: 1 }, handler })).not.toThrow();
    expect(make({ debounce: { key, wait: "30s", maxWait: "1h" }, handler })).not.toThrow();
  });
});
