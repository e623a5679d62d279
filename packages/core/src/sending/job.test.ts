import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { SwitchboardError } from "../errors/switchboard-error";
import { mockQStash } from "../testing/mock-qstash";

const qstash = mockQStash({ baseUrl: "https://qstash.test" });
const server = setupServer(...qstash.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => qstash.reset());
afterAll(() => server.close());

const sb = createSwitchboard({
  url: "https://app.example.com/api/switchboard",
  qstash: { token: "test-token", baseUrl: "https://qstash.test" },
  signingKeys: { current: "sig_current", next: "sig_next" },
});
const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.email(), subject: z.string() }),
  handler: async () => ({ sent: true }),
});
const payload = { to: "ada@example.com", subject: "Hello" };

describe("job.dispatch", () => {
  it("publishes the payload as JSON to the job's destination URL", async () => {
    const result = await sendEmail.dispatch(payload);
    expect(result).toEqual({ messageId: expect.stringMatching(/^msg_mock_/), deduplicated: false });
    expect(qstash.messages).toHaveLength(1);
    const [message] = qstash.messages;
    expect(message?.via).toBe("publish");
    expect(message?.destination).toBe("https://app.example.com/api/switchboard?job=send-email");
    expect(message?.body).toEqual(payload);
    expect(message?.headers["content-type"]).toBe("application/json");
    expect(message?.headers.authorization).toBe("Bearer test-token");
    expect(message?.headers["upstash-retries"]).toBe("3");
    // The default budget is not forwarded: the route reads its absence as 3 (delivery-context).
    expect(message?.headers).not.toHaveProperty("upstash-forward-switchboard-max-retries");
  });

  it.each([
    [{ delay: 30 }, { "upstash-delay": "30s" }],
    [{ delay: "5m" }, { "upstash-delay": "300s" }],
    [{ delay: "1h30m" }, { "upstash-delay": "5400s" }],
    [{ notBefore: 1_900_000_000 }, { "upstash-not-before": "1900000000" }],
    [{ notBefore: new Date(1_900_000_000_000) }, { "upstash-not-before": "1900000000" }],
    [{ retries: 0 }, { "upstash-retries": "0", "upstash-forward-switchboard-max-retries": "0" }],
    [{ retries: 7 }, { "upstash-retries": "7", "upstash-forward-switchboard-max-retries": "7" }],
    [{ retryDelay: "1000 * pow(2, retried)" }, { "upstash-retry-delay": "1000 * pow(2, retried)" }],
    [{ deduplicationId: "welcome-42" }, { "upstash-deduplication-id": "welcome-42" }],
    [{ contentBasedDeduplication: true }, { "upstash-content-based-deduplication": "true" }],
    [{ timeout: "30s" }, { "upstash-timeout": "30s" }],
    [{ timeout: 10 }, { "upstash-timeout": "10s" }],
    [
      { flowControl: { key: "tenant-1", parallelism: 2, rate: 10, period: "1m" } },
      {
        "upstash-flow-control-key": "tenant-1",
        "upstash-flow-control-value": "parallelism=2, rate=10, period=60s",
      },
    ],
    [{ label: "onboarding" }, { "upstash-label": "onboarding" }],
    [{ headers: { "X-Tenant": "acme" } }, { "upstash-forward-x-tenant": "acme" }],
  ] as const)("maps %o onto QStash's headers", async (options, expected) => {
    await sendEmail.dispatch(payload, options);
    expect(qstash.messages[0]?.headers).toMatchObject(expected);
  });

  it("publishes into a named queue through the enqueue endpoint", async () => {
    await sendEmail.dispatch(payload, { queue: "emails" });
    expect(qstash.messages[0]).toMatchObject({
      via: "enqueue",
      queue: "emails",
      destination: "https://app.example.com/api/switchboard?job=send-email",
    });
  });

  it("reports a deduplicated publish", async () => {
    const first = await sendEmail.dispatch(payload, { deduplicationId: "once" });
    const second = await sendEmail.dispatch(payload, { deduplicationId: "once" });
    expect(first.deduplicated).toBe(false);
    expect(second).toEqual({ messageId: first.messageId, deduplicated: true });
  });

  it("uses the job's defaults and lets each call override them", async () => {
    const digest = sb.createJob({
      name: "digest",
      schema: z.object({ team: z.string() }),
      retries: 5,
      timeout: "20s",
      handler: () => {},
    });
    await digest.dispatch({ team: "eng" });
    await digest.dispatch({ team: "eng" }, { retries: 1 });
    expect(qstash.messages[0]?.headers).toMatchObject({ "upstash-retries": "5", "upstash-timeout": "20s" });
    expect(qstash.messages[1]?.headers).toMatchObject({ "upstash-retries": "1", "upstash-timeout": "20s" });
  });

  it("sets callback URLs on the same route when the job has hooks", async () => {
    const hooked = sb.createJob({
      name: "hooked",
      schema: z.object({ n: z.number() }),
      handler: () => {},
      onSuccess: () => {},
      onFailure: () => {},
    });
    await hooked.dispatch({ n: 1 });
    expect(qstash.messages[0]?.headers).toMatchObject({
      "upstash-callback": "https://app.example.com/api/switchboard?job=hooked&hook=success",
      "upstash-failure-callback": "https://app.example.com/api/switchboard?job=hooked&hook=failure",
    });
    await sendEmail.dispatch(payload);
    expect(qstash.messages[1]?.headers["upstash-callback"]).toBeUndefined();
  });

  it("rejects an invalid payload with every issue and publishes nothing", async () => {
    const error = await sendEmail.dispatch({ to: "nope", subject: 4 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ code: "INVALID_PAYLOAD" });
    expect((error as SwitchboardError).issues?.map((i) => i.path)).toEqual(["to", "subject"]);
    expect(qstash.requestCount()).toBe(0);
  });

  it.each([
    [{ delay: "soon" }, /delay: "soon" is not a duration/],
    [{ delay: -1 }, /delay: expected whole seconds/],
    [{ retries: -1 }, /retries must be a whole number >= 0/],
    [{ retries: 1.5 }, /retries must be a whole number >= 0/],
    [{ notBefore: Date.now() }, /looks like milliseconds/],
    [{ flowControl: { key: "k" } }, /needs `parallelism`, `rate`, or both/],
    [{ headers: { "Upstash-Delay": "1s" } }, /reserved for QStash/],
    [{ deduplicationId: "" }, /deduplicationId must be a non-empty string/],
    [{ retires: 3 }, /unknown option "retires"/],
    // Refused at dispatch by the wire format's parser, not by QStash (or the dev server) later.
    [{ retryDelay: "process.exit(1)" }, /retryDelay: Upstash-Retry-Delay "process.exit\(1\)" is invalid/],
    [{ retryDelay: "pow(2" }, /job "send-email": retryDelay: .*is invalid/],
  ])("rejects bad options %o before publishing", async (options, message) => {
    await expect(sendEmail.dispatch(payload, options as never)).rejects.toThrow(message);
    expect(qstash.requestCount()).toBe(0);
  });

  it("turns QStash failures into PUBLISH_FAILED with the cause", async () => {
    const offline = createSwitchboard({
      url: "https://app.example.com/api/switchboard",
      qstash: { token: "t", baseUrl: "https://qstash-down.test" },
    });
    server.use(
      (await import("msw")).http.post("https://qstash-down.test/*", () =>
        Response.json({ error: "invalid token" }, { status: 401 }),
      ),
    );
    const job = offline.createJob({ name: "j", schema: z.object({}), handler: () => {} });
    const error = await job.dispatch({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PUBLISH_FAILED" });
    expect((error as Error).message).toMatch(/invalid token/);
  });
});

describe("job.dispatchMany", () => {
  it("sends one batch request per 100 payloads", async () => {
    const payloads = Array.from({ length: 2_500 }, (_, i) => ({ to: `u${i}@example.com`, subject: `#${i}` }));
    const results = await sendEmail.dispatchMany(payloads, { delay: "1m" });
    expect(qstash.requestCount()).toBe(Math.ceil(2_500 / 100));
    expect(results).toHaveLength(2_500);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(2_500);
    expect(qstash.messages[2_499]).toMatchObject({
      destination: "https://app.example.com/api/switchboard?job=send-email",
      body: { to: "u2499@example.com", subject: "#2499" },
    });
    expect(qstash.messages[0]?.headers["upstash-delay"]).toBe("60s");
  });

  it("validates every payload before sending any", async () => {
    const payloads = [payload, payload, { to: "broken", subject: "x" }];
    await expect(sendEmail.dispatchMany(payloads)).rejects.toThrow(/payload #2: .*nothing was published/);
    expect(qstash.requestCount()).toBe(0);
  });

  it("honours a custom batch size and queue per message", async () => {
    const small = createSwitchboard({
      url: "https://app.example.com/api/switchboard",
      qstash: { token: "t", baseUrl: "https://qstash.test" },
      batchSize: 2,
    });
    const job = small.createJob({ name: "j", schema: z.object({ n: z.number() }), handler: () => {} });
    await job.dispatchMany([{ n: 1 }, { n: 2 }, { n: 3 }], { queue: "q1" });
    expect(qstash.requestCount()).toBe(2);
    expect(qstash.messages.map((m) => m.queue)).toEqual(["q1", "q1", "q1"]);
  });

  it("makes no request for an empty list", async () => {
    expect(await sendEmail.dispatchMany([])).toEqual([]);
    expect(qstash.requestCount()).toBe(0);
  });

  it("validates with an async schema too, in order, naming the first bad payload", async () => {
    const checked: number[] = [];
    const job = sb.createJob({
      name: "async-schema",
      schema: z.object({ n: z.number() }).refine(async ({ n }) => {
        checked.push(n);
        await new Promise((resolve) => setTimeout(resolve, 1));
        return n !== 2;
      }, "n must not be 2"),
      handler: () => {},
    });
    const results = await job.dispatchMany([{ n: 0 }, { n: 1 }]);
    expect(results).toHaveLength(2);
    expect(qstash.messages.map((m) => m.body)).toEqual([{ n: 0 }, { n: 1 }]);
    qstash.reset();
    checked.length = 0;
    await expect(job.dispatchMany([{ n: 1 }, { n: 2 }, { n: 3 }])).rejects.toMatchObject({
      code: "INVALID_PAYLOAD",
      message: expect.stringMatching(/^payload #1: .*n must not be 2.*nothing was published/),
    });
    // zod runs an async refinement twice (a sync attempt, then async); none ran past the bad one.
    expect([...new Set(checked)]).toEqual([1, 2]);
    expect(qstash.requestCount()).toBe(0);
  });

  it("reports the first bad payload in order, whether its schema or its JSON is what is wrong", async () => {
    const loose = sb.createJob({ name: "order", schema: z.object({ n: z.number() }), handler: () => {} });
    await expect(
      loose.dispatchMany([{ n: 1 }, { n: "two" }, { n: 3, at: new Date(0) }] as never),
    ).rejects.toThrow(/^payload #1: .*payload is invalid/);
    await expect(
      loose.dispatchMany([{ n: 1 }, { n: 2, at: new Date(0) }, { n: "three" }] as never),
    ).rejects.toThrow(/^payload #1: .*payload\.at is a Date/);
    expect(qstash.requestCount()).toBe(0);
  });
});

describe("job schedules", () => {
  it("upserts a cron schedule with a job-scoped id and lists it back", async () => {
    const { scheduleId } = await sendEmail.schedule({ id: "daily", cron: "0 9 * * *", payload, retries: 2 });
    expect(scheduleId).toBe("send-email.daily");
    expect(qstash.messages[0]).toMatchObject({
      via: "schedule",
      destination: "https://app.example.com/api/switchboard?job=send-email",
      body: payload,
    });
    expect(qstash.messages[0]?.headers).toMatchObject({
      "upstash-cron": "0 9 * * *",
      "upstash-schedule-id": "send-email.daily",
      "upstash-retries": "2",
    });
    const schedules = await sendEmail.schedules();
    expect(schedules).toEqual([
      expect.objectContaining({
        id: "daily",
        scheduleId: "send-email.daily",
        cron: "0 9 * * *",
        payload,
        paused: false,
      }),
    ]);
    await sendEmail.unschedule("daily");
    expect(await sendEmail.schedules()).toEqual([]);
  });

  it("accepts CRON_TZ and rejects malformed crons and payloads", async () => {
    await sendEmail.schedule({ id: "berlin", cron: "CRON_TZ=Europe/Berlin 0 9 * * 1-5", payload });
    await expect(sendEmail.schedule({ id: "x", cron: "every day", payload })).rejects.toThrow(
      /not a 5-field cron/,
    );
    await expect(sendEmail.schedule({ id: "x", cron: "* * * * * *", payload })).rejects.toThrow(
      /not a 5-field cron/,
    );
    await expect(sendEmail.schedule({ id: "bad id!", cron: "* * * * *", payload })).rejects.toThrow(
      /schedule id/,
    );
    await expect(
      sendEmail.schedule({ id: "x", cron: "* * * * *", payload: { to: 1 } as never }),
    ).rejects.toMatchObject({
      code: "INVALID_PAYLOAD",
    });
    expect(qstash.requestCount()).toBe(1);
  });
});

describe("sb.cancel", () => {
  it("cancels one or many messages", async () => {
    await expect(sb.cancel("msg_1")).resolves.toBeUndefined();
    await expect(sb.cancel(["msg_1", "msg_2"])).resolves.toBeUndefined();
    expect(qstash.requestCount()).toBe(2);
    await expect(sb.cancel([])).rejects.toThrow(/non-empty array/);
  });
});

describe("createJob validation", () => {
  it.each([
    [{ name: "has space", schema: z.object({}), handler: () => {} }, /URL-safe/],
    [{ name: "ok", schema: {}, handler: () => {} }, /Standard Schema/],
    [{ name: "ok", schema: z.object({}) }, /handler must be a function/],
    [{ name: "ok", schema: z.object({}), handler: () => {}, retries: -2 }, /retries/],
    [{ name: "ok", schema: z.object({}), handler: () => {}, onSuccess: "x" }, /onSuccess must be a function/],
  ])("rejects %#", (config, message) => {
    expect(() => sb.createJob(config as never)).toThrow(message);
  });
});
