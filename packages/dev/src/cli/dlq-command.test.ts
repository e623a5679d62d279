import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createSwitchboard } from "@switchboard/core";
import { toNodeHandler } from "@switchboard/core/node";
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type DevServer, startDevServer } from "../start-dev-server";
import { type RouteServer, startRouteServer } from "../testing/route-server";
import { runDlqCommand } from "./dlq-command";

// `switchboard dlq` against the dev server, with dead letters made by real failed deliveries.
let dev: DevServer;
let server: RouteServer;
let client: Client;

async function dlq(...args: string[]): Promise<string> {
  const out: string[] = [];
  await runDlqCommand(args, {
    env: { QSTASH_URL: dev.url, QSTASH_TOKEN: dev.token },
    fetch,
    out: (text) => void out.push(text),
  });
  return out.join("");
}

beforeAll(async () => {
  dev = await startDevServer({ port: 0, speed: 1000, quiet: true });
  server = await startRouteServer();
  client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
  const common = {
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
    logger: { warn: () => {}, error: () => {} },
  };
  const sb = createSwitchboard({ url: `${server.origin}/api/switchboard`, ...common });
  const sendEmail = sb.createJob({
    name: "send-email",
    schema: z.object({ to: z.string() }),
    retries: 0,
    handler: async () => {
      throw new Error("SMTP server is down");
    },
  });
  const notify = sb.createChannel({
    name: "notify",
    schema: z.object({ userId: z.string() }),
    retries: 0,
    subscribers: {
      sms: async () => {
        throw new Error("SMS provider is down");
      },
    },
  });
  const report = createSwitchboard({ url: `${server.origin}/behind-proxy`, ...common }).createJob({
    name: "report",
    schema: z.object({ id: z.string() }),
    retries: 0,
    handler: async () => {},
  });
  server.mount("/api/switchboard", toNodeHandler(sb.handler({ jobs: [sendEmail], channels: [notify] })));
  // A proxy's page, with terminal escape codes a table must never pass through.
  server.mount("/behind-proxy", (_req, res) => {
    res.writeHead(502, { "Content-Type": "text/html" }).end("<html>\u001b[2J\u001b[31mBad Gateway</html>");
  });
  await sendEmail.dispatch({ to: "ada@example.com" });
  await notify.publish({ userId: "u1" });
  await report.dispatch({ id: "r1" });
  await vi.waitFor(async () => expect((await client.dlq.listMessages()).messages).toHaveLength(3));
});
afterAll(async () => {
  await dev.close();
  await server.close();
});

describe("switchboard dlq", () => {
  it("lists every entry as a table: target, status, the route's code and message", async () => {
    const out = await dlq("list");
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe(`QStash at ${dev.url} (QSTASH_URL)`);
    expect(lines[1]).toMatch(/^DLQ ID\s+TARGET\s+STATUS\s+CODE\s+MESSAGE\s+CREATED \(UTC\)$/);
    const row = (target: string) => lines.find((line) => line.includes(target)) ?? "";
    expect(row("job send-email")).toMatch(/\s500\s+HANDLER_FAILED\s+.*SMTP server is down/);
    expect(row("channel notify/sms")).toMatch(/HANDLER_FAILED\s+.*SMS provider is down/);
    expect(row("job report")).toMatch(/\s502\s+-\s+\(not from the route\) <html>Bad Gateway<\/html>/);
    expect(out).not.toContain("\u001b");
  });

  it("lists one job's entries as JSON, the same entries the official client lists", async () => {
    const lines = (await dlq("list", "--job", "send-email", "--json")).trim().split("\n");
    const entries = lines.map((line) => JSON.parse(line));
    const official = await client.dlq.listMessages({
      filter: { url: `${server.origin}/api/switchboard?job=send-email` },
    });
    expect(entries.map((e) => e.dlqId)).toEqual(official.messages.map((m) => m.dlqId));
    expect(entries[0]).toMatchObject({
      target: { kind: "job", job: "send-email" },
      body: '{"to":"ada@example.com"}',
      failure: { status: 500, code: "HANDLER_FAILED", fromRoute: true },
      attempts: 1,
    });
  });

  it("pages with --count and prints the cursor to continue", async () => {
    const first = await dlq("list", "--count", "2");
    const cursor = /add --cursor (\S+)/.exec(first)?.[1];
    expect(cursor).toBeDefined();
    const rest = await dlq("list", "--cursor", cursor!);
    expect(rest).not.toContain("--cursor");
    const ids = (text: string) => [...text.matchAll(/^(dlq_\S+)/gm)].map((m) => m[1]);
    expect([...ids(first), ...ids(rest)].sort()).toEqual(
      (await client.dlq.listMessages()).messages.map((m) => m.dlqId).sort(),
    );
  });

  it("refuses what would widen a retry or delete", async () => {
    await expect(dlq("delete")).rejects.toThrow(/pass dlq ids, or --job/);
    await expect(dlq("delete", "a,b")).rejects.toThrow(/is not a dlq id/);
    await expect(dlq("retry", "x", "--job", "send-email")).rejects.toThrow(/not both/);
    await expect(dlq("list", "--subscriber", "sms")).rejects.toThrow(/--subscriber needs --channel/);
    await expect(dlq("purge")).rejects.toThrow(/unknown dlq command "purge"/);
    expect((await client.dlq.listMessages()).messages).toHaveLength(3);
  });

  it("retries a channel subscriber's entries and deletes one by id", async () => {
    expect(await dlq("retry", "--channel", "notify", "--subscriber", "sms")).toBe(
      "Retried 1 dead letter: published again as new messages.\n",
    );
    const [proxyEntry] = (
      await client.dlq.listMessages({ filter: { url: `${server.origin}/behind-proxy?job=report` } })
    ).messages;
    expect(await dlq("delete", proxyEntry!.dlqId)).toBe("Deleted 1 dead letter.\n");
    const left = await client.dlq.listMessages();
    expect(left.messages.map((m) => m.dlqId)).not.toContain(proxyEntry!.dlqId);
    // The retried message failed again (the subscriber is still down): back in the DLQ as a new entry.
    await vi.waitFor(async () =>
      expect(JSON.parse(await dlq("list", "--channel", "notify", "--json"))).toMatchObject({
        target: { subscriber: "sms" },
      }),
    );
  });

  it("runs as `switchboard dlq` from the command line", async () => {
    const cli = resolve(import.meta.dirname, "cli.ts");
    const child = spawn(
      process.execPath,
      [
        "--conditions=@switchboard/source",
        "--import",
        "tsx",
        cli,
        "dlq",
        "list",
        "--job",
        "send-email",
        "--json",
      ],
      {
        cwd: resolve(import.meta.dirname, "../.."),
        env: { ...process.env, QSTASH_URL: dev.url, QSTASH_TOKEN: dev.token },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => void stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => void stderr.push(chunk));
    const code = await new Promise((done) => child.once("exit", done));
    expect(Buffer.concat(stderr).toString()).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(Buffer.concat(stdout).toString())).toMatchObject({
      target: { job: "send-email" },
      failure: { code: "HANDLER_FAILED" },
    });
  });
});
