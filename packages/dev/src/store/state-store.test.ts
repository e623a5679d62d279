import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateStore } from "./state-store";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "switchboard-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const queue = (name: string) => ({ name, parallelism: 1, paused: false, createdAt: 1 });

describe("StateStore", () => {
  it("keeps nothing on disk without a data directory", () => {
    const store = new StateStore();
    store.put("queues", "a", queue("a"));
    store.flush();
    expect(store.durable).toBe(false);
    expect(store.state.queues.get("a")).toEqual(queue("a"));
  });

  it("journals flushed changes and replays them on the next start", () => {
    const store = new StateStore(dir);
    store.put("queues", "a", queue("a"));
    store.put("queues", "b", queue("b"));
    store.delete("queues", "a");
    store.flush();
    // No close(): as after a SIGKILL, only what flush() wrote counts.
    const reopened = new StateStore(dir);
    expect([...reopened.state.queues.keys()]).toEqual(["b"]);
    reopened.close();
  });

  it("writes a change nobody flushed at the end of the turn that made it", async () => {
    const store = new StateStore(dir);
    store.put("queues", "a", queue("a"));
    store.put("queues", "b", queue("b"));
    await Promise.resolve();
    expect(readFileSync(join(dir, "journal.jsonl"), "utf8")).toBe(""); // not yet: still this turn
    await new Promise((turnEnded) => setImmediate(turnEnded));
    // No close(): as after a SIGKILL, only what reached the journal counts.
    const journal = readFileSync(join(dir, "journal.jsonl"), "utf8");
    expect(journal.trim().split("\n")).toHaveLength(2);
    const reopened = new StateStore(dir);
    expect([...reopened.state.queues.keys()]).toEqual(["a", "b"]);
    reopened.close();
    store.close();
  });

  it("compacts the journal into a snapshot on start and survives a torn last line", () => {
    const store = new StateStore(dir);
    store.put("queues", "a", queue("a"));
    store.close();
    appendFileSync(join(dir, "journal.jsonl"), '{"op":"put","kind":"queues","id":"half');
    const reopened = new StateStore(dir);
    expect([...reopened.state.queues.keys()]).toEqual(["a"]);
    expect(readFileSync(join(dir, "journal.jsonl"), "utf8")).toBe("");
    expect(JSON.parse(readFileSync(join(dir, "snapshot.json"), "utf8")).queues).toEqual([["a", queue("a")]]);
    reopened.close();
  });

  it("folds a long journal into the snapshot while running", () => {
    const store = new StateStore(dir, 500);
    for (let i = 0; i < 50; i++) {
      store.put("queues", `q${i}`, queue(`q${i}`));
      if (i % 2) store.delete("queues", `q${i - 1}`);
      store.flush();
    }
    expect(readFileSync(join(dir, "journal.jsonl"), "utf8").length).toBeLessThan(600);
    const reopened = new StateStore(dir);
    expect([...reopened.state.queues.keys()]).toEqual([...store.state.queues.keys()]);
    expect(reopened.state.queues.size).toBe(25);
    reopened.close();
    store.close();
  });
});
