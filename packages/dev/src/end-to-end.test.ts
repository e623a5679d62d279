import type { AddressInfo } from "node:net";
import { serve as serveNode } from "@hono/node-server";
import { createSwitchboard, NonRetriableError } from "@switchboard/core";
import { serve } from "@switchboard/core/hono";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type DevServer, startDevServer } from "./start-dev-server";

// The whole stack over real HTTP on loopback: job.dispatch → dev server → Hono route → handler.
let dev: DevServer;
let close: () => Promise<void>;
const events: string[] = [];
let smsFailures = 2;

function buildApp(port: number) {
  const sb = createSwitchboard({
    url: `http://127.0.0.1:${port}/api/switchboard`,
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
  });
  const welcome = sb.createJob({
    name: "welcome",
    schema: z.object({ email: z.email(), name: z.string() }),
    handler: async ({ email, name }, ctx) => {
      events.push(`welcome:${name}:${email}:attempt${ctx.attempt}:budget${ctx.maxRetries}`);
      return { sent: true };
    },
    onSuccess: ({ result, payload }) =>
      void events.push(`welcome-ok:${payload.name}:${JSON.stringify(result)}`),
  });
  const charge = sb.createJob({
    name: "charge",
    schema: z.object({ customerId: z.string() }),
    retries: 5,
    handler: async ({ customerId }, ctx) => {
      events.push(`charge:${customerId}:budget${ctx.maxRetries}`);
      throw new NonRetriableError(`customer ${customerId} does not exist`);
    },
    onFailure: ({ payload, error }) =>
      void events.push(`charge-failed:${payload.customerId}:${error.status}:${error.message}`),
  });
  const notify = sb.createChannel({
    name: "notify",
    schema: z.object({ userId: z.string() }),
    retryDelay: "10",
    subscribers: {
      email: async ({ userId }) => void events.push(`email:${userId}`),
      sms: async ({ userId }, ctx) => {
        events.push(`sms:${userId}:attempt${ctx.attempt}`);
        if (smsFailures-- > 0) throw new Error("SMS provider is down");
      },
    },
  });
  const app = new Hono();
  app.post("/api/switchboard", serve(sb, { jobs: [welcome, charge], channels: [notify] }));
  return { sb, welcome, charge, notify, app };
}

let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  dev = await startDevServer({ port: 0, speed: 1000, quiet: true });
  // Listen first to learn the port; the app (and its URL) is built right after.
  let fetchApp: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = serveNode({ fetch: (request) => fetchApp(request), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  app = buildApp((server.address() as AddressInfo).port);
  fetchApp = (request) => app.app.fetch(request);
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await dev.close();
  await close();
});

describe("end to end through the dev server", () => {
  it("delivers a dispatched job to its typed handler and runs onSuccess", async () => {
    await app.welcome.dispatch({ email: "ada@example.com", name: "Ada" });
    // The default budget (3) is not sent as a header; the route knows it all the same.
    await expect.poll(() => events).toContain("welcome:Ada:ada@example.com:attempt1:budget3");
    await expect.poll(() => events).toContain('welcome-ok:Ada:{"sent":true}');
  });

  it("sends a NonRetriableError to the DLQ at once and fires onFailure", async () => {
    await app.charge.dispatch({ customerId: "c_404" });
    await expect.poll(() => events).toContain("charge-failed:c_404:489:customer c_404 does not exist");
    // No retries despite retries: 5, a budget the handler was told.
    expect(events.filter((e) => e.startsWith("charge:c_404"))).toEqual(["charge:c_404:budget5"]);
    const dlq = await fetch(`${dev.url}/v2/dlq`, { headers: { Authorization: `Bearer ${dev.token}` } });
    const { messages } = (await dlq.json()) as { messages: { url: string; responseStatus: number }[] };
    expect(messages).toEqual([
      expect.objectContaining({ url: expect.stringContaining("?job=charge"), responseStatus: 489 }),
    ]);
  });

  it("retries only the failing subscriber of a channel", async () => {
    await app.notify.publish({ userId: "u1" });
    await expect.poll(() => events).toContain("sms:u1:attempt3");
    expect(events.filter((e) => e === "email:u1")).toHaveLength(1);
    expect(events.filter((e) => e.startsWith("sms:u1"))).toEqual([
      "sms:u1:attempt1",
      "sms:u1:attempt2",
      "sms:u1:attempt3",
    ]);
  });
});
