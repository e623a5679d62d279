import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSink, type TestSink } from "../testing/test-sink";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "../wire/defaults";

const cli = resolve(import.meta.dirname, "../cli/cli.ts");
let dataDir: string;
let sink: TestSink;
const children: ChildProcess[] = [];

/** Starts `switchboard dev --json` as a real child process and resolves with its URL. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@switchboard/source", "--import", "tsx", cli, "dev", "--json", ...args],
    {
      cwd: resolve(import.meta.dirname, "../.."), // the package, where tsx resolves
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error("switchboard dev did not start within 20 s")), 20_000);
    lines.on("line", (line) => {
      const event = JSON.parse(line) as { type: string; url?: string };
      if (event.type === "ready") {
        clearTimeout(timer);
        resolveUrl(event.url!);
      }
    });
    child.once("exit", (code) => reject(new Error(`switchboard dev exited with ${code}`)));
  });
  return { child, url };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-dev-"));
  sink = await startTestSink(DEFAULT_SIGNING_KEYS);
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await sink.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("persistence with --data-dir", () => {
  it("keeps every accepted message, schedule, queue, URL group, DLQ entry and dedup id across a SIGKILL under load", async () => {
    const first = await startCli(["--port", "0", "--data-dir", dataDir, "--speed", "100"]);
    const client = new Client({ baseUrl: first.url, token: DEFAULT_TOKEN, retry: false });
    sink.answer((d) =>
      d.path.startsWith("/dead")
        ? { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }
        : { status: 200 },
    );
    await client.queue({ queueName: "kept" }).upsert({ parallelism: 3, paused: true });
    await client.schedules.create({
      destination: `${sink.url}/yearly`,
      cron: "0 0 1 1 *",
      scheduleId: "kept.yearly",
    });
    await client.urlGroups.addEndpoints({ name: "kept-group", endpoints: [{ url: `${sink.url}/group` }] });
    const dead = await client.publishJSON({ url: `${sink.url}/dead`, body: {}, retries: 0 });
    const once = await client.publishJSON({
      url: `${sink.url}/once`,
      body: {},
      deduplicationId: "kept-once",
    });
    await waitUntil(async () => (await client.dlq.listMessages()).messages.length === 1);

    const accepted: string[] = [];
    // Publish until killed: every message the server acknowledged must survive.
    const load = (async () => {
      for (let i = 0; i < 2_000; i++) {
        try {
          const { messageId } = await client.publishJSON({
            url: `${sink.url}/persist?i=${i}`,
            body: { i },
            delay: "30s",
          });
          accepted.push(messageId);
        } catch {
          return; // the server is gone
        }
      }
    })();
    await waitUntil(() => accepted.length >= 150);
    first.child.kill("SIGKILL");
    await load;
    const deliveredBeforeKill = new Set(sink.received.map((d) => String(d.headers["upstash-message-id"])));
    expect(deliveredBeforeKill.size).toBeLessThan(accepted.length); // most were still waiting for their delay

    const second = await startCli(["--port", "0", "--data-dir", dataDir, "--speed", "100"]);
    const after = new Client({ baseUrl: second.url, token: DEFAULT_TOKEN, retry: false });
    const isAccepted = new Set(accepted);
    await expect
      .poll(
        () =>
          new Set(
            sink.received
              .map((d) => String(d.headers["upstash-message-id"]))
              .filter((id) => isAccepted.has(id)),
          ).size,
        { timeout: 20_000, interval: 100 },
      )
      .toBe(accepted.length);
    expect(sink.received.every((d) => d.verified)).toBe(true);

    expect(await after.queue({ queueName: "kept" }).get()).toMatchObject({ parallelism: 3, paused: true });
    expect(await after.schedules.get("kept.yearly")).toMatchObject({ cron: "0 0 1 1 *" });
    expect((await after.urlGroups.get("kept-group")).endpoints).toEqual([{ url: `${sink.url}/group` }]);
    expect((await after.dlq.listMessages()).messages.map((m) => m.messageId)).toEqual([dead.messageId]);
    expect(
      await after.publishJSON({ url: `${sink.url}/once`, body: {}, deduplicationId: "kept-once" }),
    ).toMatchObject({ messageId: once.messageId, deduplicated: true });
  }, 60_000);
});

/** Polls `check` every 10 ms; fails after `timeoutMs` instead of looping forever. */
async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
