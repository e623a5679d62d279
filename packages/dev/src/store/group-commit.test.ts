import * as fs from "node:fs";
import { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startDevServer } from "../start-dev-server";
import { StateStore, SYNC_INTERVAL_MS } from "./state-store";

// Every write and fsync the store makes goes through these spies, so a test can count them and
// see what the journal held at each fsync.
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, fsyncSync: vi.fn(actual.fsyncSync), writeSync: vi.fn(actual.writeSync) };
});
const fsyncSync = vi.mocked(fs.fsyncSync);
const actualFs = await vi.importActual<typeof import("node:fs")>("node:fs");
const writeSync = vi.mocked(fs.writeSync);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "switchboard-group-"));
});
afterEach(() => {
  fsyncSync.mockClear();
  writeSync.mockClear();
  fs.rmSync(dir, { recursive: true, force: true });
});

const queue = (name: string) => ({ name, parallelism: 1, paused: false, createdAt: 1 });
const turnEnd = () => new Promise((done) => setImmediate(done));

describe("group commit", () => {
  it("writes and fsyncs every change and every waiter of one turn once", async () => {
    const store = new StateStore(dir);
    fsyncSync.mockClear(); // start-up compaction
    writeSync.mockClear();
    const acknowledged: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      store.put("queues", `q${i}`, queue(`q${i}`));
      acknowledged.push(store.commit());
    }
    await Promise.all(acknowledged);
    expect(fsyncSync).toHaveBeenCalledTimes(1);
    expect(writeSync).toHaveBeenCalledTimes(1);
    expect(fs.readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n")).toHaveLength(100);
    store.close();
  });

  it("resolves a commit only after the fsync that covers its change", async () => {
    const store = new StateStore(dir);
    const order: string[] = [];
    fsyncSync.mockImplementationOnce((fd) => {
      order.push("fsync");
      actualFs.fsyncSync(fd);
    });
    store.put("queues", "a", queue("a"));
    const acknowledged = store.commit().then(() => order.push("acknowledged"));
    await Promise.resolve();
    expect(order).toEqual([]); // nothing is acknowledged within the turn that made the change
    await acknowledged;
    expect(order).toEqual(["fsync", "acknowledged"]);
    expect(new StateStore(dir).state.queues.has("a")).toBe(true); // as after a SIGKILL: no close()
    store.close();
  });

  it("writes changes nobody waits for at the end of their turn, and fsyncs them with the next answer or within the interval", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }); // turns (setImmediate) stay real
    try {
      const store = new StateStore(dir);
      fsyncSync.mockClear();
      writeSync.mockClear();
      store.put("queues", "a", queue("a")); // a delivery settling, say: nobody waits
      await turnEnd();
      expect(writeSync).toHaveBeenCalledTimes(1); // on its way to disk: a killed process keeps it
      expect(fsyncSync).not.toHaveBeenCalled();
      await store.commit(); // an answer: covers what was written before it
      expect(fsyncSync).toHaveBeenCalledTimes(1);
      await store.commit(); // nothing new: no write, no fsync
      store.put("queues", "b", queue("b"));
      store.delete("queues", "a");
      await turnEnd();
      expect(writeSync).toHaveBeenCalledTimes(2);
      expect(fsyncSync).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(SYNC_INTERVAL_MS);
      expect(fsyncSync).toHaveBeenCalledTimes(2);
      vi.advanceTimersByTime(SYNC_INTERVAL_MS * 10);
      expect(fsyncSync).toHaveBeenCalledTimes(2);
      expect([...new StateStore(dir).state.queues.keys()]).toEqual(["b"]); // as after a SIGKILL
      store.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("rejects every waiter of a failed write and keeps the changes for the next one", async () => {
    const store = new StateStore(dir);
    writeSync.mockImplementationOnce(() => {
      throw new Error("ENOSPC: no space left on device");
    });
    store.put("queues", "a", queue("a"));
    const first = store.commit();
    const second = store.commit();
    await expect(first).rejects.toThrow(/ENOSPC/);
    await expect(second).rejects.toThrow(/ENOSPC/);
    store.put("queues", "b", queue("b"));
    await store.commit();
    expect([...new StateStore(dir).state.queues.keys()]).toEqual(["a", "b"]);
    store.close();
  });

  it("answers no publish over HTTP before an fsync has covered it, and shares fsyncs among concurrent publishes", async () => {
    const dev = await startDevServer({ port: 0, quiet: true, dataDir: dir });
    const journal = join(dir, "journal.jsonl");
    let synced = "";
    fsyncSync.mockImplementation((fd) => {
      actualFs.fsyncSync(fd);
      synced = fs.readFileSync(journal, "utf8");
    });
    // The moment the server answers, the message it acknowledges must already be fsynced.
    const answered: { messageId: string; covered: boolean }[] = [];
    const end = ServerResponse.prototype.end;
    const answers = vi.spyOn(ServerResponse.prototype, "end").mockImplementation(function (
      this: ServerResponse,
      ...args: unknown[]
    ) {
      const messageId = typeof args[0] === "string" ? /"messageId":"([^"]+)"/.exec(args[0])?.[1] : undefined;
      if (messageId) answered.push({ messageId, covered: synced.includes(messageId) });
      return Reflect.apply(end, this, args) as ServerResponse;
    });
    try {
      fsyncSync.mockClear();
      const publishes = 40;
      const statuses = await Promise.all(
        Array.from({ length: publishes }, async (_, i) => {
          const response = await fetch(`${dev.url}/v2/publish/http://127.0.0.1:1/never?i=${i}`, {
            method: "POST",
            headers: { Authorization: `Bearer ${dev.token}`, "Upstash-Delay": "1h" },
            body: String(i),
          });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      expect(statuses).toEqual(Array.from({ length: publishes }, () => 201));
      expect(answered).toHaveLength(publishes);
      expect(answered.filter((a) => !a.covered)).toEqual([]);
      expect(fsyncSync.mock.calls.length).toBeLessThanOrEqual(publishes);
    } finally {
      answers.mockRestore();
      fsyncSync.mockImplementation(actualFs.fsyncSync);
      await dev.close();
    }
  });
});
