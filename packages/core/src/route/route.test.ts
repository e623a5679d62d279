import { signPayload, toBase64Url } from "@switchboard/wire";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { NonRetriableError } from "../errors/non-retriable-error";
import { RetryAfterError } from "../errors/retry-after-error";
import { createSignedRequest } from "../testing/create-signed-request";

const URL_BASE = "https://app.example.com/api/switchboard";
const keys = { current: "sig_current_key", next: "sig_next_key" };
const logger = { warn: vi.fn(), error: vi.fn() };
const sb = createSwitchboard({ url: URL_BASE, qstash: { token: "t" }, signingKeys: keys, logger });

const seen: unknown[] = [];
const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.email(), subject: z.string(), tags: z.array(z.string()).default([]) }),
  handler: async (payload, ctx) => {
    seen.push({ payload, ctx });
    return { sent: true, to: payload.to };
  },
});
const quiet = sb.createJob({ name: "quiet", schema: z.object({}), handler: () => undefined });
const failing = sb.createJob({
  name: "failing",
  schema: z.object({ mode: z.enum(["non-retriable", "retry-after", "throw", "throw-string"]) }),
  handler: ({ mode }) => {
    if (mode === "non-retriable") throw new NonRetriableError("customer is gone");
    if (mode === "retry-after") throw new RetryAfterError(42);
    if (mode === "throw-string") throw "plain string";
    throw new Error("SMTP timeout");
  },
});
const route = sb.handler({ jobs: [sendEmail, quiet, failing] });
const payload = { to: "ada@example.com", subject: "Hi" };

async function json(response: Response) {
  return (await response.json()) as { error: { code: string; message: string; issues?: unknown[] } };
}

describe("handler: wire contract", () => {
  it("runs the handler and answers 200 with its JSON return value", async () => {
    const response = await route(
      await createSignedRequest(sb, sendEmail, payload, { retried: 1, messageId: "msg_1" }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sent: true, to: "ada@example.com" });
    const last = seen.at(-1) as { payload: unknown; ctx: Record<string, unknown> };
    expect(last.payload).toEqual({ ...payload, tags: [] }); // schema defaults applied at delivery
    expect(last.ctx).toMatchObject({
      job: "send-email",
      messageId: "msg_1",
      attempt: 2,
      retried: 1,
      maxRetries: 3,
      isLastAttempt: false,
      scheduleId: undefined,
    });
    expect(last.ctx.signal).toBeInstanceOf(AbortSignal);
    expect(last.ctx.headers).toBeInstanceOf(Headers);
  });

  it("answers 200 with an empty body when the handler returns nothing", async () => {
    const response = await route(await createSignedRequest(sb, quiet, {}));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("marks the last attempt and passes the schedule id", async () => {
    await route(
      await createSignedRequest(sb, sendEmail, payload, { retried: 3, maxRetries: 3, scheduleId: "scd_1" }),
    );
    const { ctx } = seen.at(-1) as { ctx: Record<string, unknown> };
    expect(ctx).toMatchObject({ attempt: 4, isLastAttempt: true, scheduleId: "scd_1" });
  });

  it("answers 489 non-retryable for unknown jobs, channels and subscribers", async () => {
    for (const query of [
      "?job=nope",
      "?channel=nope&subscriber=x",
      "?job=send-email&channel=x",
      "",
      "?job=send-email&hook=bogus",
    ]) {
      const url = `${URL_BASE}${query}`;
      const body = JSON.stringify(payload);
      const request = new Request(url, {
        method: "POST",
        body,
        headers: { "Upstash-Signature": await signPayload({ key: keys.current, url, body }) },
      });
      const response = await route(request);
      expect(response.status, query).toBe(489);
      expect(response.headers.get("Upstash-NonRetryable-Error")).toBe("true");
      expect((await json(response)).error.code).toBe("NOT_FOUND");
    }
  });

  it("answers 489 for a hook the job does not have", async () => {
    const response = await route(
      await createSignedRequest(sb, sendEmail, payload, { callback: { hook: "success" } }),
    );
    expect(response.status).toBe(489);
    expect((await json(response)).error.code).toBe("NOT_FOUND");
  });

  it("answers 489 INVALID_PAYLOAD for a non-JSON body", async () => {
    const response = await route(
      await createSignedRequest(sb, sendEmail, { to: "a@b.co", subject: "unsent" }, { rawBody: "not json{" }),
    );
    expect(response.status).toBe(489);
    expect(response.headers.get("Upstash-NonRetryable-Error")).toBe("true");
    expect((await json(response)).error).toMatchObject({ code: "INVALID_PAYLOAD" });
  });

  it("answers 489 INVALID_PAYLOAD with the issues when the schema fails, without running the handler", async () => {
    const before = seen.length;
    const response = await route(
      await createSignedRequest(
        sb,
        sendEmail,
        { to: "a@b.co", subject: "unsent" },
        { rawBody: '{"to":"nope"}' },
      ),
    );
    expect(response.status).toBe(489);
    const { error } = await json(response);
    expect(error.code).toBe("INVALID_PAYLOAD");
    expect(error.issues).toEqual([
      { path: "to", message: expect.any(String) },
      { path: "subject", message: expect.any(String) },
    ]);
    expect(seen.length).toBe(before);
  });

  it("answers 489 non-retryable for NonRetriableError", async () => {
    const response = await route(await createSignedRequest(sb, failing, { mode: "non-retriable" }));
    expect(response.status).toBe(489);
    expect(response.headers.get("Upstash-NonRetryable-Error")).toBe("true");
    expect((await json(response)).error).toMatchObject({
      code: "NON_RETRIABLE",
      message: "customer is gone",
    });
  });

  it("answers 429 with Retry-After for RetryAfterError", async () => {
    const response = await route(await createSignedRequest(sb, failing, { mode: "retry-after" }));
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBe("42");
    expect(response.headers.get("Upstash-NonRetryable-Error")).toBeNull();
  });

  it("answers 500 HANDLER_FAILED for any other throw, so QStash retries", async () => {
    for (const mode of ["throw", "throw-string"] as const) {
      const response = await route(await createSignedRequest(sb, failing, { mode }));
      expect(response.status).toBe(500);
      expect(response.headers.get("Upstash-NonRetryable-Error")).toBeNull();
      const { error } = await json(response);
      expect(error.code).toBe("HANDLER_FAILED");
      expect(error.message).toBe(mode === "throw" ? "SMTP timeout" : "plain string");
    }
    expect(logger.error).toHaveBeenCalled();
  });

  it("hides the stack outside development and test", async () => {
    vi.stubEnv("NODE_ENV", "production");
    try {
      const response = await route(await createSignedRequest(sb, failing, { mode: "throw" }));
      expect(JSON.stringify(await response.json())).not.toContain("stack");
    } finally {
      vi.unstubAllEnvs();
    }
    const response = await route(await createSignedRequest(sb, failing, { mode: "throw" }));
    expect(((await response.json()) as { error: { stack?: string } }).error.stack).toContain("SMTP timeout");
  });

  it("answers 405 for methods other than POST", async () => {
    const response = await route(new Request(`${URL_BASE}?job=send-email`, { method: "GET" }));
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});

describe("handler: signatures", () => {
  const body = JSON.stringify(payload);
  const url = `${URL_BASE}?job=send-email`;
  const deliver = async (signature: string | undefined, requestBody = body, requestUrl = url) =>
    route(
      new Request(requestUrl, {
        method: "POST",
        body: requestBody,
        headers: signature === undefined ? {} : { "Upstash-Signature": signature },
      }),
    );
  const expect401 = async (response: Response, message: RegExp) => {
    expect(response.status).toBe(401);
    const { error } = await json(response);
    expect(error.code).toBe("UNAUTHORIZED");
    expect(error.message).toMatch(message);
  };

  it("accepts a signature made with the current key", async () => {
    expect((await deliver(await signPayload({ key: keys.current, url, body }))).status).toBe(200);
  });

  it("accepts a signature made with the next key (rotation)", async () => {
    expect((await deliver(await signPayload({ key: keys.next, url, body }))).status).toBe(200);
  });

  it("rejects a missing header", async () => {
    await expect401(await deliver(undefined), /Missing Upstash-Signature/);
  });

  it("rejects a tampered body", async () => {
    const signature = await signPayload({ key: keys.current, url, body });
    await expect401(await deliver(signature, body.replace("Hi", "Ho")), /Body hash does not match/);
  });

  it("rejects a wrong key", async () => {
    await expect401(
      await deliver(await signPayload({ key: "sig_attacker", url, body })),
      /does not match the current or next/,
    );
  });

  it("rejects an expired signature, allowing the clock tolerance", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signPayload({ key: keys.current, url, body, issuedAt: now - 400 });
    await expect401(await deliver(expired), /expired/);
    const withinTolerance = await signPayload({ key: keys.current, url, body, issuedAt: now - 303 });
    expect((await deliver(withinTolerance)).status).toBe(200);
  });

  it("rejects a signature that is not valid yet", async () => {
    const future = await signPayload({
      key: keys.current,
      url,
      body,
      issuedAt: Math.floor(Date.now() / 1000) + 120,
    });
    await expect401(await deliver(future), /not valid yet/);
  });

  it("rejects a sub mismatch: a signature for another job", async () => {
    const otherUrl = `${URL_BASE}?job=quiet`;
    await expect401(
      await deliver(await signPayload({ key: keys.current, url: otherUrl, body })),
      /issued for/,
    );
  });

  it("rejects a sub mismatch: a signature for another app's URL", async () => {
    const foreign = "https://evil.example.com/api/switchboard?job=send-email";
    await expect401(
      await deliver(await signPayload({ key: keys.current, url: foreign, body })),
      /issued for/,
    );
  });

  it("checks sub against the configured URL, not the URL a proxy passed on", async () => {
    const signature = await signPayload({ key: keys.current, url, body });
    const rewritten = "http://10.0.0.7:3000/internal/route?job=send-email";
    expect((await deliver(signature, body, rewritten)).status).toBe(200);
    const queryDropped = "http://10.0.0.7:3000/internal/route";
    expect((await deliver(signature, body, queryDropped)).status).toBe(200);
  });

  it("rejects alg: none and other algorithms", async () => {
    const valid = await signPayload({ key: keys.current, url, body });
    const [, claims] = valid.split(".");
    const none = toBase64Url(new TextEncoder().encode(JSON.stringify({ alg: "none", typ: "JWT" })));
    await expect401(await deliver(`${none}.${claims}.`), /HS256/);
    await expect401(await deliver(`${none}.${claims}`), /not a JWT/);
    const hs512 = toBase64Url(new TextEncoder().encode(JSON.stringify({ alg: "HS512", typ: "JWT" })));
    await expect401(await deliver(`${hs512}.${claims}.${valid.split(".")[2]}`), /HS256/);
  });

  it("rejects garbage", async () => {
    await expect401(await deliver("not-a-jwt"), /not a JWT/);
    await expect401(await deliver("a.b.c"), /HS256/);
  });

  it("answers 401 before revealing whether a job exists", async () => {
    const response = await route(new Request(`${URL_BASE}?job=nope`, { method: "POST", body: "{}" }));
    expect(response.status).toBe(401);
  });

  it("verifies bodies byte for byte, including non-ASCII", async () => {
    const unicode = JSON.stringify({ to: "ada@example.com", subject: "Grüße 🚀 你好" });
    const signature = await signPayload({ key: keys.current, url, body: unicode });
    expect((await deliver(signature, unicode)).status).toBe(200);
    const normalized = unicode.normalize("NFD");
    expect((await deliver(signature, normalized)).status).toBe(401);
  });
});

describe("handler: configuration", () => {
  it("throws at start-up on duplicate names", () => {
    const dup = sb.createJob({ name: "send-email", schema: z.object({}), handler: () => {} });
    expect(() => sb.handler({ jobs: [sendEmail, dup] })).toThrow(/two jobs are named "send-email"/);
  });

  it("throws at start-up for things that are not jobs, or jobs of another switchboard", () => {
    expect(() => sb.handler({ jobs: [{ name: "x" } as never] })).toThrow(/not a job made with sb.createJob/);
    const other = createSwitchboard({ url: URL_BASE, signingKeys: keys });
    const foreign = other.createJob({ name: "foreign", schema: z.object({}), handler: () => {} });
    expect(() => sb.handler({ jobs: [foreign] })).toThrow(/different switchboard/);
    expect(() => sb.handler({})).toThrow(/at least one job or channel/);
  });

  it("refuses to start in production without signing keys, warns in development", () => {
    const bare = createSwitchboard({ url: URL_BASE, logger });
    const job = bare.createJob({ name: "j", schema: z.object({}), handler: () => {} });
    vi.stubEnv("QSTASH_CURRENT_SIGNING_KEY", "");
    vi.stubEnv("NODE_ENV", "production");
    try {
      expect(() => bare.handler({ jobs: [job] })).toThrow(/No QStash signing keys/);
      vi.stubEnv("NODE_ENV", "development");
      logger.warn.mockClear();
      expect(() => bare.handler({ jobs: [job] })).not.toThrow();
      expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/No QStash signing keys/));
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("refuses every delivery while keys are missing, never runs unverified", async () => {
    let ran = false;
    const bare = createSwitchboard({ url: URL_BASE, logger });
    const job = bare.createJob({
      name: "j",
      schema: z.object({}),
      handler: () => {
        ran = true;
      },
    });
    vi.stubEnv("QSTASH_CURRENT_SIGNING_KEY", "");
    try {
      const route = bare.handler({ jobs: [job] });
      const response = await route(new Request(`${URL_BASE}?job=j`, { method: "POST", body: "{}" }));
      expect(response.status).toBe(500);
      expect((await json(response)).error.code).toBe("CONFIGURATION");
      expect(ran).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("reads keys and URL from env per request", async () => {
    const lazy = createSwitchboard();
    const job = lazy.createJob({ name: "j", schema: z.object({}), handler: () => ({ ok: true }) });
    vi.stubEnv("SWITCHBOARD_URL", "https://env.example.com/sb");
    vi.stubEnv("QSTASH_CURRENT_SIGNING_KEY", "env_key");
    try {
      const route = lazy.handler({ jobs: [job] });
      const url = "https://env.example.com/sb?job=j";
      const signature = await signPayload({ key: "env_key", url, body: "{}" });
      const response = await route(
        new Request(url, { method: "POST", body: "{}", headers: { "Upstash-Signature": signature } }),
      );
      expect(response.status).toBe(200);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("takes per-request env (edge runtimes)", async () => {
    const lazy = createSwitchboard();
    const job = lazy.createJob({ name: "j", schema: z.object({}), handler: () => ({ ok: true }) });
    const route = lazy.handler({ jobs: [job] });
    const env = { SWITCHBOARD_URL: "https://edge.example.com/sb", QSTASH_CURRENT_SIGNING_KEY: "edge_key" };
    const url = "https://edge.example.com/sb?job=j";
    const signature = await signPayload({ key: "edge_key", url, body: "{}" });
    const response = await route(
      new Request(url, { method: "POST", body: "{}", headers: { "Upstash-Signature": signature } }),
      env,
    );
    expect(response.status).toBe(200);
  });

  it("skips verification only when verify: false is explicit", async () => {
    const open = createSwitchboard({ url: URL_BASE, verify: false });
    const job = open.createJob({
      name: "j",
      schema: z.object({ n: z.number() }),
      handler: ({ n }) => ({ n }),
    });
    const route = open.handler({ jobs: [job] });
    const response = await route(new Request(`${URL_BASE}?job=j`, { method: "POST", body: '{"n":1}' }));
    expect(response.status).toBe(200);
  });

  it("adds the context factory's fields to every handler", async () => {
    const withDb = createSwitchboard({
      url: URL_BASE,
      signingKeys: keys,
      context: ({ request }) => ({ db: "postgres", requestId: request.headers.get("x-request-id") }),
    });
    const job = withDb.createJob({
      name: "ctx",
      schema: z.object({}),
      handler: (_payload, ctx) => ({ db: ctx.db, requestId: ctx.requestId, job: ctx.job }),
    });
    const route = withDb.handler({ jobs: [job] });
    const response = await route(
      await createSignedRequest(withDb, job, {}, { headers: { "x-request-id": "r-1" } }),
    );
    expect(await response.json()).toEqual({ db: "postgres", requestId: "r-1", job: "ctx" });
  });
});

describe("handler: success and failure hooks", () => {
  const calls: unknown[] = [];
  const charge = sb.createJob({
    name: "charge",
    schema: z.object({ amount: z.number() }),
    handler: ({ amount }) => ({ charged: amount }),
    onSuccess: ({ payload, result, messageId }) =>
      void calls.push({ kind: "success", payload, result, messageId }),
    onFailure: ({ payload, error, messageId }) =>
      void calls.push({ kind: "failure", payload, error, messageId }),
  });
  const hooks = sb.handler({ jobs: [charge] });

  it("decodes QStash's success callback and calls onSuccess with the typed payload and result", async () => {
    const request = await createSignedRequest(
      sb,
      charge,
      { amount: 5 },
      {
        messageId: "msg_src",
        callback: { hook: "success", result: { charged: 5 } },
      },
    );
    expect(new URL(request.url).searchParams.get("hook")).toBe("success");
    const response = await hooks(request);
    expect(response.status).toBe(200);
    expect(calls.at(-1)).toEqual({
      kind: "success",
      payload: { amount: 5 },
      result: { charged: 5 },
      messageId: "msg_src",
    });
  });

  it("decodes QStash's failure callback and calls onFailure with the error and DLQ id", async () => {
    const request = await createSignedRequest(
      sb,
      charge,
      { amount: 7 },
      {
        messageId: "msg_src",
        maxRetries: 2,
        callback: {
          hook: "failure",
          status: 489,
          body: { error: { code: "NON_RETRIABLE", message: "card declined" } },
          dlqId: "dlq_1",
          retried: 0,
        },
      },
    );
    expect((await hooks(request)).status).toBe(200);
    expect(calls.at(-1)).toMatchObject({
      kind: "failure",
      payload: { amount: 7 },
      messageId: "msg_src",
      error: { status: 489, message: "card declined", dlqId: "dlq_1", retried: 0, maxRetries: 2 },
    });
  });

  it("rejects a callback body that is not QStash's", async () => {
    const request = await createSignedRequest(
      sb,
      charge,
      { amount: 1 },
      {
        rawBody: '{"hello":1}',
        callback: { hook: "success" },
      },
    );
    const response = await hooks(request);
    expect(response.status).toBe(489);
    expect((await json(response)).error.code).toBe("INVALID_PAYLOAD");
  });
});

describe("handler: refusals are logged with their fix", () => {
  const log = { warn: vi.fn(), error: vi.fn() };
  const app = createSwitchboard({ url: URL_BASE, signingKeys: keys, logger: log });
  const welcome = app.createJob({
    name: "welcome",
    schema: z.object({ secret: z.string() }),
    handler: () => {},
  });
  const digest = app.createJob({ name: "digest", schema: z.object({}), handler: () => {} });
  const alerts = app.createChannel({
    name: "alerts",
    schema: z.object({}),
    subscribers: { email: () => {}, sms: () => {} },
  });
  const appRoute = app.handler({ jobs: [welcome, digest], channels: [alerts] });
  const signedFor = async (query: string, body: string, key = keys.current) => {
    const url = `${URL_BASE}${query}`;
    return new Request(url, {
      method: "POST",
      body,
      headers: { "Upstash-Signature": await signPayload({ key, url, body }), "Upstash-Message-Id": "msg_9" },
    });
  };
  afterEach(() => {
    log.warn.mockClear();
    log.error.mockClear();
    vi.unstubAllEnvs();
  });

  it("development: a 401 is logged with its reason and what to do", async () => {
    const response = await appRoute(await signedFor("?job=welcome", '{"secret":"s3cr3t"}', "sig_wrong"));
    expect(response.status).toBe(401);
    expect(log.warn).toHaveBeenCalledTimes(1);
    const line = String(log.warn.mock.calls[0]?.[0]);
    expect(line).toMatch(/401 UNAUTHORIZED for job "welcome" \(message msg_9\)/);
    expect(line).toMatch(/does not match the current or next signing key/);
    expect(line).toMatch(/fix: .*QSTASH_CURRENT_SIGNING_KEY.*SWITCHBOARD_DEV=1/s);
    expect((await json(response)).error).toMatchObject({ fix: expect.stringMatching(/switchboard dev/) });
  });

  it("development: a missing signature says how to call the route in tests", async () => {
    await appRoute(new Request(`${URL_BASE}?job=welcome`, { method: "POST", body: "{}" }));
    expect(String(log.warn.mock.calls[0]?.[0])).toMatch(
      /Missing Upstash-Signature[\s\S]*createSignedRequest/,
    );
  });

  it("development: 489 NOT_FOUND and INVALID_PAYLOAD are logged", async () => {
    await appRoute(await signedFor("?job=nope", "{}"));
    await appRoute(await signedFor("?job=welcome", '{"secret":1}'));
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(String(log.warn.mock.calls[0]?.[0])).toMatch(
      /489 NOT_FOUND for job "nope".*This route serves no job "nope"/,
    );
    expect(String(log.warn.mock.calls[1]?.[0])).toMatch(
      /489 INVALID_PAYLOAD[\s\S]*fix: .*z\.coerce\.date\(\)/,
    );
  });

  it("production: one warn line per refusal, without payload contents", async () => {
    vi.stubEnv("NODE_ENV", "production");
    const response = await appRoute(await signedFor("?job=welcome", '{"secret":42}'));
    expect(response.status).toBe(489);
    expect(await response.json()).not.toHaveProperty("error.fix");
    await appRoute(await signedFor("?job=welcome", '{"secret":"hunter2"}', "sig_wrong"));
    expect(log.error).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledTimes(2);
    for (const [line] of log.warn.mock.calls) {
      expect(String(line)).not.toMatch(/\n|hunter2|42|fix:/);
    }
  });

  it("an unknown job says what the route serves and how to add it", async () => {
    const { error } = await json(await appRoute(await signedFor("?job=send-welcome", "{}")));
    expect(error.message).toBe(
      'This route serves no job "send-welcome": it serves jobs: welcome, digest; channels: alerts (email, sms). If "send-welcome" is yours, add it to serve(sb, { jobs: [...] }) (or sb.handler({ jobs: [...] })).',
    );
  });

  it("an unknown channel or subscriber says which exist", async () => {
    const channel = await json(await appRoute(await signedFor("?channel=news&subscriber=email", "{}")));
    expect(channel.error.message).toMatch(
      /serves no channel "news".*channels: alerts \(email, sms\).*serve\(sb, \{ channels: \[\.\.\.\] \}\)/,
    );
    const subscriber = await json(await appRoute(await signedFor("?channel=alerts&subscriber=fax", "{}")));
    expect(subscriber.error.message).toMatch(/channel "alerts" has subscribers email, sms\. Add "fax"/);
    const hook = await json(await appRoute(await signedFor("?job=digest&hook=failure", "{}")));
    expect(hook.error.message).toMatch(/job "digest" has no onFailure/);
  });
});

describe("handler: failures before the handler runs are never HANDLER_FAILED", () => {
  const log = { warn: vi.fn(), error: vi.fn() };
  afterEach(() => {
    log.warn.mockClear();
    log.error.mockClear();
  });

  it("a context factory that throws is ROUTE_FAILED, and the handler does not run", async () => {
    let ran = false;
    const app = createSwitchboard({
      url: URL_BASE,
      signingKeys: keys,
      logger: log,
      context: () => {
        throw new Error("database is down");
      },
    });
    const job = app.createJob({
      name: "j",
      schema: z.object({}),
      handler: () => {
        ran = true;
      },
    });
    const response = await app.handler({ jobs: [job] })(await createSignedRequest(app, job, {}));
    expect(response.status).toBe(500);
    const { error } = await json(response);
    expect(error.code).toBe("ROUTE_FAILED");
    expect(error.message).toMatch(/`context` factory of createSwitchboard threw: database is down/);
    expect(ran).toBe(false);
    expect(log.error).toHaveBeenCalledWith(expect.stringMatching(/context/), expect.any(Error));
  });

  it("a signature check that throws is CONFIGURATION (500, retried), not a handler failure", async () => {
    const app = createSwitchboard({
      url: URL_BASE,
      signingKeys: { current: "k1", next: 42 as never },
      logger: log,
    });
    const job = app.createJob({ name: "j", schema: z.object({}), handler: () => {} });
    const request = await createSignedRequest(app, job, {}, { signingKey: "someone-else" });
    const response = await app.handler({ jobs: [job] })(request);
    // Nothing was verified, so nothing ran; the fault is the server's, so QStash should retry.
    expect(response.status).toBe(500);
    const { error } = await json(response);
    expect(error.code).toBe("CONFIGURATION");
    expect(error.message).toMatch(/could not be checked/);
  });

  it("a body stream that fails is ROUTE_FAILED", async () => {
    const app = createSwitchboard({ url: URL_BASE, signingKeys: keys, logger: log });
    const job = app.createJob({ name: "j", schema: z.object({}), handler: () => {} });
    const body = new ReadableStream({
      pull(controller) {
        controller.error(new Error("socket hang up"));
      },
    });
    // Signed (the shape is all that is checked before the body is read): unsigned is a 401 first.
    const signature = await signPayload({ key: keys.current, url: `${URL_BASE}?job=j`, body: "{}" });
    const request = new Request(`${URL_BASE}?job=j`, {
      method: "POST",
      body,
      headers: { "Upstash-Signature": signature },
      duplex: "half",
    } as RequestInit);
    const { error } = await json(await app.handler({ jobs: [job] })(request));
    expect(error).toMatchObject({ code: "ROUTE_FAILED", message: expect.stringMatching(/socket hang up/) });
  });

  it("a schema that throws is ROUTE_FAILED", async () => {
    const app = createSwitchboard({ url: URL_BASE, signingKeys: keys, logger: log });
    const job = app.createJob({
      name: "j",
      schema: z.object({}).refine(() => {
        throw new Error("lookup failed");
      }),
      handler: () => {},
    });
    const route = app.handler({ jobs: [job] });
    const { error } = await json(await route(await createSignedRequest(app, job, {})));
    expect(error.code).toBe("ROUTE_FAILED");
  });

  it("a body another middleware already read is BODY_ALREADY_PARSED with the fix, logged as an error", async () => {
    const app = createSwitchboard({ url: URL_BASE, signingKeys: keys, logger: log });
    const job = app.createJob({ name: "j", schema: z.object({}), handler: () => {} });
    const request = await createSignedRequest(app, job, {});
    await request.json(); // what a Hono middleware calling c.req.json() leaves behind
    const response = await app.handler({ jobs: [job] })(request);
    expect(response.status).toBe(500);
    const { error } = await json(response);
    expect(error.code).toBe("BODY_ALREADY_PARSED");
    expect(error.message).toMatch(
      /read the request body before Switchboard.*Mount the Switchboard route before/,
    );
    expect(log.error).toHaveBeenCalledWith(expect.stringMatching(/BODY_ALREADY_PARSED/));
  });

  it("a payload nested too deeply for a recursive schema is INVALID_PAYLOAD (489), not a retried 500", async () => {
    type Tree = { children: Tree[] };
    const tree: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(tree) }));
    const app = createSwitchboard({ url: URL_BASE, signingKeys: keys, logger: log });
    const job = app.createJob({ name: "j", schema: tree, handler: () => {} });
    const depth = 20_000;
    const rawBody = `${'{"children":['.repeat(depth)}${"]}".repeat(depth)}`;
    const request = await createSignedRequest(app, job, null, { rawBody });
    const response = await app.handler({ jobs: [job] })(request);
    expect(response.status).toBe(489);
    expect((await json(response)).error).toMatchObject({
      code: "INVALID_PAYLOAD",
      message: expect.stringMatching(/nested too deeply/),
    });
  });

  it("refuses an invalid maxBodyBytes at creation", () => {
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN, "1mb" as never]) {
      expect(() => createSwitchboard({ url: URL_BASE, maxBodyBytes })).toThrow(/maxBodyBytes must be/);
    }
  });

  it("a SwitchboardError from inside the handler (a nested dispatch) is HANDLER_FAILED, so QStash retries", async () => {
    const app = createSwitchboard({ url: URL_BASE, signingKeys: keys, logger: log });
    const inner = app.createJob({ name: "inner", schema: z.object({ n: z.number() }), handler: () => {} });
    const outer = app.createJob({
      name: "outer",
      schema: z.object({}),
      handler: () => inner.dispatch({ n: "x" } as never),
    });
    const response = await app.handler({ jobs: [outer, inner] })(await createSignedRequest(app, outer, {}));
    expect(response.status).toBe(500);
    expect((await json(response)).error.code).toBe("HANDLER_FAILED");
  });
});
