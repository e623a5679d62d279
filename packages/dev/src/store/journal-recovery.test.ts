import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@upstash/qstash";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startDevServer } from "../start-dev-server";

let dataDir: string;
let journal: string;
/** The ids the current test published; what a restart must bring back. */
let knownIds: string[] = [];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "switchboard-journal-"));
  journal = join(dataDir, "journal.jsonl");
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const start = () => startDevServer({ port: 0, dataDir, quiet: true });

/** Publishes `count` messages due in a day (never delivered during the test), then stops the server. */
async function publishAndStop(count: number): Promise<string[]> {
  const dev = await start();
  const client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { messageId } = await client.publishJSON({
      url: `http://127.0.0.1:1/m?i=${i}`,
      body: { i },
      delay: "1d",
    });
    ids.push(messageId);
  }
  await dev.close();
  return ids;
}

/** The ids of the messages a server on `dataDir` holds after a restart. */
async function messagesAfterRestart(): Promise<string[]> {
  const dev = await start();
  try {
    const client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
    const ids: string[] = [];
    // Ask for each id published: a filtered bulk cancel would change the state under test.
    for (const id of knownIds) {
      const found = await client.messages.get(id).then(
        () => true,
        () => false,
      );
      if (found) ids.push(id);
    }
    return ids;
  } finally {
    await dev.close();
  }
}

const lines = () => readFileSync(journal, "utf8").split("\n").filter(Boolean);
const writeLines = (all: string[]) => writeFileSync(journal, `${all.join("\n")}\n`);

describe("journal replay with --data-dir", () => {
  it("ignores a torn last line (a crash mid-write) and keeps every acknowledged message", async () => {
    knownIds = await publishAndStop(20);
    appendFileSync(journal, '{"op":"put","kind":"messages","id":"msg_to');
    expect(await messagesAfterRestart()).toEqual(knownIds);
  });

  it("refuses to start on a corrupt line that is not the last, naming file and line, and changes nothing", async () => {
    knownIds = await publishAndStop(20);
    const original = lines();
    expect(original).toHaveLength(20);
    const corrupt = [...original];
    corrupt[4] = corrupt[4]!.slice(0, 30); // line 5 cut short, 15 acknowledged messages after it
    writeLines(corrupt);
    const before = readFileSync(journal, "utf8");
    const refused = await start().then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).toContain(`${journal} line 5: not valid JSON`);
    expect(refused).toMatch(/15 line\(s\) after it.*did not start and changed nothing/);
    // Nothing was compacted away: the journal is byte for byte what it was, and no snapshot holds less.
    expect(readFileSync(journal, "utf8")).toBe(before);
    await expect(start()).rejects.toThrow(/line 5/); // and stays refused, not silently "fixed"
    // Repairing the line brings every message back.
    writeLines(original);
    expect(await messagesAfterRestart()).toEqual(knownIds);
  });

  it("reports a record that parses but is invalid with file, line and field, instead of crashing", async () => {
    knownIds = await publishAndStop(3);
    const original = lines();
    const cases: [
      (record: { op: string; kind: string; id: string; value: Record<string, unknown> }) => unknown,
      RegExp,
    ][] = [
      [
        (r) => ({ ...r, value: { ...r.value, notBefore: undefined } }),
        /line 2: messages "msg_\w+": "notBefore" must be a finite number/,
      ],
      [
        (r) => ({ ...r, value: { ...r.value, notBefore: null } }),
        /line 2: .*"notBefore" must be a finite number/,
      ],
      [(r) => ({ ...r, value: { ...r.value, header: "x" } }), /line 2: .*"header"/],
      [(r) => ({ ...r, kind: "nonsense" }), /line 2: .*"kind" must be one of messages, dlq, schedules/],
      [(r) => ({ ...r, op: "upsert" }), /line 2: .*"op" must be "put" or "del"/],
      [(r) => ({ ...r, id: 7 }), /line 2: .*"id" must be a string/],
      [() => [1, 2], /line 2: .*not a journal record/],
      [() => null, /line 2: .*not a journal record/],
      [
        (r) => ({ ...r, value: { ...r.value, messageId: "msg_other" } }),
        /line 2: .*"messageId" .* does not match/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const broken = [...original];
      broken[1] = JSON.stringify(mutate(JSON.parse(original[1]!)));
      writeLines(broken);
      await expect(start(), String(message)).rejects.toThrow(message);
      expect(lines()).toEqual(broken);
    }
    // An invalid record that is the LAST line is not a torn write: it is refused too.
    writeLines([...original, JSON.stringify({ op: "put", kind: "queues", id: "q", value: { name: "q" } })]);
    await expect(start()).rejects.toThrow(/line 4: queues "q": "parallelism"/);
    writeLines(original);
    expect(await messagesAfterRestart()).toEqual(knownIds);
  });

  it("refuses a schedule record with a cron it cannot run, instead of crashing at start-up", async () => {
    knownIds = [];
    const dev = await start();
    const client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
    await client.schedules.create({
      destination: "http://127.0.0.1:1/s",
      cron: "0 9 * * *",
      scheduleId: "s1",
    });
    await dev.close();
    const [record] = lines();
    const parsed = JSON.parse(record!);
    writeLines([JSON.stringify({ ...parsed, value: { ...parsed.value, cron: "every day" } })]);
    await expect(start()).rejects.toThrow(/line 1: schedules "s1": .*Upstash-Cron/);
  });

  it("refuses a corrupt snapshot, naming it", async () => {
    knownIds = await publishAndStop(1);
    await (await start()).close(); // compacts into snapshot.json
    writeFileSync(join(dataDir, "snapshot.json"), '{"messages":[["msg_1",');
    await expect(start()).rejects.toThrow(/snapshot\.json: .*not valid JSON/);
  });

  it("keeps far-future times exact across a restart", async () => {
    const dev = await start();
    const client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
    const { messageId } = await client.publishJSON({
      url: "http://127.0.0.1:1/far",
      body: {},
      delay: "365d",
    });
    const before = await client.messages.get(messageId);
    await dev.close();
    const again = await start();
    try {
      const after = await new Client({ baseUrl: again.url, token: again.token, retry: false }).messages.get(
        messageId,
      );
      expect(after.notBefore).toBe(before.notBefore);
      expect(Number.isFinite(after.notBefore)).toBe(true);
      expect(after.notBefore! - Date.now()).toBeGreaterThan(364 * 86_400_000);
    } finally {
      await again.close();
    }
  });
});
