import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "./defaults";
import { startTestSink, type TestSink } from "./test-sink";

const cli = resolve(import.meta.dirname, "cli.ts");
let dataDir: string;
let sink: TestSink;
const children: ChildProcess[] = [];

/** Starts `switchboard dev --json` as a real child process and resolves with its URL. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@switchboard/source", "--import", "tsx", cli, "dev", "--json", ...args],
    {
      cwd: resolve(import.meta.dirname, ".."), // where tsx resolves
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
  it("delivers every accepted message after a SIGKILL under load and a restart", async () => {
    const first = await startCli(["--port", "0", "--data-dir", dataDir, "--speed", "100"]);
    const client = new Client({ baseUrl: first.url, token: DEFAULT_TOKEN, retry: false });
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
    while (accepted.length < 150) await new Promise((r) => setTimeout(r, 5));
    first.child.kill("SIGKILL");
    await load;
    const deliveredBeforeKill = new Set(sink.received.map((d) => String(d.headers["upstash-message-id"])));
    expect(accepted.length).toBeGreaterThanOrEqual(150);
    expect(deliveredBeforeKill.size).toBeLessThan(accepted.length); // most were still waiting for their delay

    await startCli(["--port", "0", "--data-dir", dataDir, "--speed", "100"]);
    const isAccepted = new Set(accepted);
    await expect
      .poll(
        () =>
          new Set(
            sink.received
              .map((d) => String(d.headers["upstash-message-id"]))
              .filter((id) => isAccepted.has(id)),
          ).size,
        {
          timeout: 20_000,
          interval: 100,
        },
      )
      .toBe(accepted.length);
    expect(sink.received.every((d) => d.verified)).toBe(true);
  }, 60_000);
});
