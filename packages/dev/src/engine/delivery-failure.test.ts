import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@upstash/qstash";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startDevServer } from "../start-dev-server";
import type { StoredMessage } from "../store/model";
import { startTestSink, type TestSink } from "../testing/test-sink";
import { DEFAULT_SIGNING_KEYS } from "../wire/defaults";

/**
 * A message an older server accepted with a retry-delay that only fails when evaluated: it sits in
 * the journal and is resumed on start. Before the fix, its first failed delivery rejected a `void`
 * promise and the process died, and again on every restart.
 */
function poisonMessage(sinkUrl: string, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    messageId: "msg_poison",
    url: `${sinkUrl}/fails`,
    method: "POST",
    header: { "Content-Type": ["application/json"] },
    body: Buffer.from("{}").toString("base64"),
    retries: 3,
    retried: 0,
    retryDelay: "valueOf(retried)",
    notBefore: Date.now(),
    createdAt: Date.now() - 1,
    callerIp: "127.0.0.1",
    ...extra,
  };
}

let dataDir: string;
let sink: TestSink;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-poison-"));
  sink = await startTestSink(DEFAULT_SIGNING_KEYS);
  rejections.length = 0;
  process.on("unhandledRejection", onRejection);
});
afterEach(async () => {
  process.off("unhandledRejection", onRejection);
  await sink.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a delivery that fails inside the server", () => {
  it("lands in the DLQ and the log, with no unhandled rejection, and the queue moves on", async () => {
    const poison = poisonMessage(sink.url, { queueName: "q" });
    const next = {
      ...poisonMessage(sink.url, { queueName: "q" }),
      messageId: "msg_next",
      retryDelay: undefined,
      url: `${sink.url}/ok`,
      createdAt: poison.createdAt + 1,
    };
    const journal = [
      {
        op: "put",
        kind: "queues",
        id: "q",
        value: { name: "q", parallelism: 1, paused: false, createdAt: 1 },
      },
      { op: "put", kind: "messages", id: poison.messageId, value: poison },
      { op: "put", kind: "messages", id: next.messageId, value: next },
    ];
    writeFileSync(join(dataDir, "journal.jsonl"), journal.map((r) => `${JSON.stringify(r)}\n`).join(""));
    sink.answer((d) => ({ status: d.path === "/fails" ? 500 : 200 }));
    const lines: string[] = [];
    const dev = await startDevServer({
      port: 0,
      dataDir,
      speed: 1000,
      json: true,
      write: (l) => void lines.push(l),
    });
    try {
      const client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
      await expect
        .poll(async () => (await client.dlq.listMessages()).messages.map((m) => m.messageId), {
          timeout: 5000,
        })
        .toEqual(["msg_poison"]);
      await sink.waitFor(1, (d) => d.path === "/ok", 5000); // the queue slot was released
      expect(lines.join("")).toMatch(/"type":"dead-letter".*"messageId":"msg_poison".*Upstash-Retry-Delay/);
      expect(await client.dlq.listMessages()).toBeDefined(); // still serving
    } finally {
      await dev.close();
    }
    // A restart does not crash-loop either: the message is in the DLQ now, not resumed.
    const again = await startDevServer({ port: 0, dataDir, speed: 1000, quiet: true });
    await again.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(rejections).toEqual([]);
  });
});
