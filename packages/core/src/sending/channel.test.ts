import { signPayload } from "@switchboard/wire";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { createSignedRequest } from "../testing/create-signed-request";
import { mockQStash } from "../testing/mock-qstash";

const qstash = mockQStash({ baseUrl: "https://qstash.test" });
const server = setupServer(...qstash.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => qstash.reset());
afterAll(() => server.close());

const sb = createSwitchboard({
  url: "https://app.example.com/api/switchboard",
  qstash: { token: "t", baseUrl: "https://qstash.test" },
  signingKeys: { current: "k1", next: "k2" },
});
const delivered: string[] = [];
const failures: string[] = [];
let smsDown = false;
const notify = sb.createChannel({
  name: "notify",
  schema: z.object({ userId: z.string(), title: z.string() }),
  retries: 2,
  subscribers: {
    email: async (event, ctx) =>
      void delivered.push(`email:${event.userId}:${ctx.subscriber}:${ctx.channel}`),
    sms: {
      retries: 5,
      timeout: "10s",
      handler: async (event) => {
        if (smsDown) throw new Error("SMS provider is down");
        delivered.push(`sms:${event.userId}`);
      },
      onFailure: ({ error }) => void failures.push(`sms-own:${error.status}`),
    },
    inApp: async (event) => void delivered.push(`inApp:${event.title}`),
  },
  onFailure: ({ ctx, error }) => void failures.push(`channel:${ctx.subscriber}:${error.status}`),
});
const event = { userId: "u1", title: "Task #234 was updated" };

describe("channel.publish", () => {
  it("sends one batch request with one message per subscriber", async () => {
    const sent = await notify.publish(event);
    expect(qstash.requestCount()).toBe(1);
    expect(qstash.messages.map((m) => m.destination)).toEqual([
      "https://app.example.com/api/switchboard?channel=notify&subscriber=email",
      "https://app.example.com/api/switchboard?channel=notify&subscriber=sms",
      "https://app.example.com/api/switchboard?channel=notify&subscriber=inApp",
    ]);
    expect(qstash.messages.every((m) => JSON.stringify(m.body) === JSON.stringify(event))).toBe(true);
    expect(Object.keys(sent)).toEqual(["email", "sms", "inApp"]);
    expect(sent.sms?.messageId).toBe(qstash.messages[1]?.messageId);
  });

  it("applies channel defaults, subscriber options, then call options", async () => {
    await notify.publish(event, { delay: "1m" });
    const [email, sms] = qstash.messages;
    expect(email?.headers).toMatchObject({ "upstash-retries": "2", "upstash-delay": "60s" });
    expect(sms?.headers).toMatchObject({
      "upstash-retries": "5",
      "upstash-timeout": "10s",
      "upstash-delay": "60s",
    });
    // Failure hooks exist for every subscriber (channel-level onFailure), success hooks for none.
    expect(email?.headers["upstash-failure-callback"]).toBe(
      "https://app.example.com/api/switchboard?channel=notify&subscriber=email&hook=failure",
    );
    expect(email?.headers["upstash-callback"]).toBeUndefined();
  });

  it("publishes only to the subscribers named in `only`", async () => {
    const sent = await notify.publish(event, { only: ["email", "inApp"] });
    expect(Object.keys(sent)).toEqual(["email", "inApp"]);
    expect(qstash.messages.map((m) => m.destination.split("subscriber=")[1])).toEqual(["email", "inApp"]);
  });

  it("rejects unknown names in `only` at run time, for untyped callers", async () => {
    await expect(notify.publish(event, { only: ["fax"] as never })).rejects.toThrow(
      /unknown subscriber "fax".*Declared subscribers: email, sms, inApp/,
    );
    await expect(notify.publish(event, { only: [] })).rejects.toThrow(/non-empty array/);
    expect(qstash.requestCount()).toBe(0);
  });

  it("gives each subscriber its own deduplication id", async () => {
    await notify.publish(event, { deduplicationId: "evt-1" });
    expect(qstash.messages.map((m) => m.headers["upstash-deduplication-id"])).toEqual([
      "evt-1.email",
      "evt-1.sms",
      "evt-1.inApp",
    ]);
  });

  it("validates once and publishes nothing when the event is invalid", async () => {
    await expect(notify.publish({ userId: 1 } as never)).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    expect(qstash.requestCount()).toBe(0);
  });

  it("rejects channels without subscribers or with bad names", () => {
    expect(() => sb.createChannel({ name: "empty", schema: z.object({}), subscribers: {} })).toThrow(
      /at least one subscriber/,
    );
    expect(() =>
      sb.createChannel({ name: "bad", schema: z.object({}), subscribers: { "no spaces": () => {} } }),
    ).toThrow(/URL-safe/);
    expect(() =>
      sb.createChannel({ name: "bad", schema: z.object({}), subscribers: { x: 42 as never } }),
    ).toThrow(/must be a function or \{ handler/);
  });
});

describe("channel delivery", () => {
  const route = sb.handler({ channels: [notify] });

  it("runs only the addressed subscriber: a failing SMS never re-runs email", async () => {
    delivered.length = 0;
    smsDown = true;
    const sms = await route(await createSignedRequest(sb, notify, event, { subscriber: "sms" }));
    expect(sms.status).toBe(500);
    const email = await route(await createSignedRequest(sb, notify, event, { subscriber: "email" }));
    expect(email.status).toBe(200);
    const smsRetry = await route(
      await createSignedRequest(sb, notify, event, { subscriber: "sms", retried: 1 }),
    );
    expect(smsRetry.status).toBe(500);
    expect(delivered).toEqual(["email:u1:email:notify"]);
    smsDown = false;
    expect(
      (await route(await createSignedRequest(sb, notify, event, { subscriber: "sms", retried: 2 }))).status,
    ).toBe(200);
    expect(delivered).toEqual(["email:u1:email:notify", "sms:u1"]);
  });

  it("answers 489 for an unknown subscriber", async () => {
    // Signed by hand: createSignedRequest only takes the channel's own subscriber names.
    const url = "https://app.example.com/api/switchboard?channel=notify&subscriber=fax";
    const body = JSON.stringify(event);
    const signature = await signPayload({ key: "k1", url, body });
    const response = await route(
      new Request(url, { method: "POST", headers: { "Upstash-Signature": signature }, body }),
    );
    expect(response.status).toBe(489);
  });

  it("runs the subscriber's and the channel's failure hooks", async () => {
    failures.length = 0;
    const request = await createSignedRequest(sb, notify, event, {
      subscriber: "sms",
      callback: { hook: "failure", status: 500, body: { error: { message: "SMS provider is down" } } },
    });
    expect((await route(request)).status).toBe(200);
    expect(failures).toEqual(["sms-own:500", "channel:sms:500"]);
  });
});
