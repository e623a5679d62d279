import { createSwitchboard, NonRetriableError, SwitchboardError } from "@switchboard/core";
import { toNodeHandler } from "@switchboard/core/node";
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type DevServer, startDevServer } from "./start-dev-server";
import { type RouteServer, startRouteServer } from "./testing/route-server";

// Dead letters made by real deliveries: dev server → node:http → the real route adapter →
// handlers that fail. The SDK's view is cross-checked with the official client's.
let dev: DevServer;
let server: RouteServer;
let client: Client;
let app: ReturnType<typeof buildApp>;
let emailDown = true;
const sent: string[] = [];

function buildApp(origin: string) {
  const logger = { warn: () => {}, error: () => {} }; // the failures are the point of this test
  const common = { qstash: { token: dev.token, baseUrl: dev.url }, signingKeys: dev.signingKeys, logger };
  const sb = createSwitchboard({ url: `${origin}/api/switchboard`, ...common });
  const sendEmail = sb.createJob({
    name: "send-email",
    schema: z.object({ to: z.email(), subject: z.string() }),
    retries: 1,
    handler: async ({ to }) => {
      if (emailDown) throw new Error("SMTP server is down");
      sent.push(to);
    },
  });
  const charge = sb.createJob({
    name: "charge",
    schema: z.object({ customerId: z.string() }),
    retries: 5,
    handler: async ({ customerId }) => {
      throw new NonRetriableError(`customer ${customerId} does not exist`);
    },
  });
  const importRows = sb.createJob({
    name: "import-rows",
    schema: z.object({ rows: z.number() }),
    retries: 0,
    handler: async () => {
      throw new Error("import failed");
    },
  });
  const notify = sb.createChannel({
    name: "notify",
    schema: z.object({ userId: z.string() }),
    retries: 0,
    subscribers: {
      email: async () => {},
      sms: async () => {
        throw new Error("SMS provider is down");
      },
    },
  });
  // The same job name with a schema that has changed since the message was sent.
  const importRowsV2 = createSwitchboard({ url: `${origin}/api/switchboard`, ...common }).createJob({
    name: "import-rows",
    schema: z.object({ rows: z.array(z.string()) }),
    handler: async () => {},
  });
  // Behind a proxy that answers with its own HTML page: the route is never reached.
  const behindProxy = createSwitchboard({ url: `${origin}/behind-proxy`, ...common }).createJob({
    name: "report",
    schema: z.object({ id: z.string() }),
    retries: 0,
    handler: async () => {},
  });
  server.mount(
    "/api/switchboard",
    toNodeHandler(sb.handler({ jobs: [sendEmail, charge, importRows], channels: [notify] })),
  );
  server.mount("/behind-proxy", (_req, res) => {
    res
      .writeHead(502, { "Content-Type": "text/html" })
      .end("<html><body><h1>502 Bad Gateway</h1></body></html>");
  });
  return { sb, sendEmail, charge, importRows, importRowsV2, notify, behindProxy };
}

beforeAll(async () => {
  dev = await startDevServer({ port: 0, speed: 1000, quiet: true });
  server = await startRouteServer();
  client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
  app = buildApp(server.origin);
  await app.sendEmail.dispatch({ to: "ada@example.com", subject: "Hi" });
  await app.charge.dispatch({ customerId: "c_404" });
  await app.importRows.dispatch({ rows: 3 });
  await app.notify.publish({ userId: "u1" });
  await app.behindProxy.dispatch({ id: "r1" });
  await vi.waitFor(async () => expect((await client.dlq.listMessages()).messages).toHaveLength(5));
});
afterAll(async () => {
  await dev.close();
  await server.close();
});

describe("dead letters through the SDK", () => {
  it("lists a job's entries with the payload typed by its schema and the route's error decoded", async () => {
    const { entries, cursor } = await app.sendEmail.deadLetters.list();
    expect(cursor).toBeUndefined();
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({
      job: "send-email",
      channel: undefined,
      payload: { to: "ada@example.com", subject: "Hi" },
      failure: { status: 500, code: "HANDLER_FAILED", fromRoute: true },
      attempts: 2,
      maxRetries: 1,
    });
    expect(entry?.payloadError).toBeUndefined();
    expect(entry?.failure.message).toContain("SMTP server is down");
    expect(entry?.createdAt).toBeInstanceOf(Date);

    // The official client lists the same entry for the job's destination URL.
    const official = await client.dlq.listMessages({ filter: { url: entry!.url } });
    expect(official.messages.map((m) => [m.dlqId, m.messageId, m.responseStatus])).toEqual([
      [entry!.dlqId, entry!.messageId, 500],
    ]);
    // And sb.deadLetters.list({ job }) is the same list.
    expect((await app.sb.deadLetters.list({ job: app.sendEmail })).entries).toEqual(entries);
  });

  it("decodes a NonRetriableError (489, one attempt despite retries: 5)", async () => {
    const { entries } = await app.charge.deadLetters.list();
    expect(entries).toEqual([
      expect.objectContaining({
        payload: { customerId: "c_404" },
        failure: {
          status: 489,
          code: "NON_RETRIABLE",
          message: "customer c_404 does not exist",
          fromRoute: true,
        },
        attempts: 1,
      }),
    ]);
  });

  it("lists a channel's entries per subscriber", async () => {
    const all = await app.notify.deadLetters.list();
    expect(all.entries.map((e) => [e.channel, e.subscriber, e.payload?.userId, e.failure.code])).toEqual([
      ["notify", "sms", "u1", "HANDLER_FAILED"],
    ]);
    expect((await app.notify.deadLetters.list({ subscriber: "sms" })).entries).toEqual(all.entries);
    expect((await app.notify.deadLetters.list({ subscriber: "email" })).entries).toEqual([]);
    expect((await app.sb.deadLetters.list({ channel: app.notify, subscriber: "sms" })).entries).toEqual(
      all.entries,
    );
    await expect(app.notify.deadLetters.list({ subscriber: "fax" as "sms" })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
  });

  it("keeps the raw answer of a failure that never reached Switchboard, and says so", async () => {
    const { entries } = await app.behindProxy.deadLetters.list();
    expect(entries).toEqual([
      expect.objectContaining({
        job: "report",
        payload: { id: "r1" },
        failure: {
          status: 502,
          message: "<html><body><h1>502 Bad Gateway</h1></body></html>",
          fromRoute: false,
        },
      }),
    ]);
  });

  it("lists an entry whose payload no longer passes the schema, with payloadError", async () => {
    const { entries } = await app.importRowsV2.deadLetters.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ job: "import-rows", payload: undefined, body: '{"rows":3}' });
    expect(entries[0]?.payloadError).toMatch(/rows/);
  });

  it("pages through the whole DLQ with a cursor", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await app.sb.deadLetters.list({ count: 2, ...(cursor ? { cursor } : {}) });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.dlqId));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 10);
    const official = await client.dlq.listMessages();
    expect(seen.sort()).toEqual(official.messages.map((m) => m.dlqId).sort());
    expect(pages).toBe(3);
  });

  it("refuses to act on another job's entry, and on ids that would widen the request", async () => {
    const { entries } = await app.charge.deadLetters.list();
    await expect(app.sendEmail.deadLetters.delete(entries)).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      message: expect.stringContaining("is not this job's"),
    });
    await expect(app.sendEmail.deadLetters.retry("a,b")).rejects.toBeInstanceOf(SwitchboardError);
    await expect(app.sb.deadLetters.delete("")).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await expect(app.sb.deadLetters.delete([])).resolves.toEqual({ deleted: 0 });
    expect((await app.charge.deadLetters.list()).entries).toHaveLength(1);
  });

  it("retries an entry: a new message is delivered and the entry leaves the DLQ", async () => {
    const { entries } = await app.sendEmail.deadLetters.list();
    emailDown = false;
    const { messageIds } = await app.sendEmail.deadLetters.retry(entries[0]!);
    expect(messageIds).toHaveLength(1);
    expect(messageIds[0]).not.toBe(entries[0]!.messageId);
    await expect.poll(() => sent).toEqual(["ada@example.com"]);
    expect((await app.sendEmail.deadLetters.list()).entries).toEqual([]);
    // An entry already gone is skipped, not an error.
    await expect(app.sendEmail.deadLetters.retry(entries)).resolves.toEqual({ messageIds: [] });
  });

  it("deletes entries for good", async () => {
    const { entries } = await app.charge.deadLetters.list();
    await expect(app.charge.deadLetters.delete(entries.map((e) => e.dlqId))).resolves.toEqual({ deleted: 1 });
    const official = await client.dlq.listMessages();
    expect(official.messages.map((m) => m.dlqId)).not.toContain(entries[0]!.dlqId);
  });
});
