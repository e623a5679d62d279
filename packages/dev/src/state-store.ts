import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { DevState } from "./model";

type Kind = keyof DevState;
type Record_ = { op: "put"; kind: Kind; id: string; value: unknown } | { op: "del"; kind: Kind; id: string };

/**
 * Holds the server's state and, with a data directory, makes every change durable before the
 * server answers: changes are appended to `journal.jsonl` and fsynced; on start the snapshot and
 * journal are replayed, then compacted into a new snapshot (write, fsync, rename).
 */
export class StateStore {
  readonly state: DevState = {
    messages: new Map(),
    dlq: new Map(),
    schedules: new Map(),
    queues: new Map(),
    topics: new Map(),
    dedup: new Map(),
  };
  private journal: number | undefined;
  private pending: string[] = [];
  private journalBytes = 0;

  /**
   * @param dataDir where the snapshot and journal live; memory only without it.
   * @param compactAfterBytes journal size that triggers a compaction while running.
   */
  constructor(
    private readonly dataDir?: string,
    private readonly compactAfterBytes = 16 * 1024 * 1024,
  ) {
    if (!dataDir) return;
    mkdirSync(dataDir, { recursive: true });
    this.replay();
    this.compact();
  }

  /** `true` when changes survive a restart. */
  get durable(): boolean {
    return this.dataDir !== undefined;
  }

  put<K extends Kind>(
    kind: K,
    id: string,
    value: DevState[K] extends Map<string, infer V> ? V : never,
  ): void {
    (this.state[kind] as Map<string, unknown>).set(id, value);
    this.record({ op: "put", kind, id, value });
  }

  delete(kind: Kind, id: string): boolean {
    const existed = (this.state[kind] as Map<string, unknown>).delete(id);
    if (existed) this.record({ op: "del", kind, id });
    return existed;
  }

  /**
   * Writes every change recorded so far and fsyncs it. Call before answering a request. A journal
   * past {@link StateStore.compactAfterBytes} is folded into a new snapshot.
   */
  flush(): void {
    if (this.journal === undefined || this.pending.length === 0) return;
    const text = this.pending.join("");
    writeSync(this.journal, text);
    fsyncSync(this.journal);
    this.pending = [];
    this.journalBytes += Buffer.byteLength(text);
    if (this.journalBytes > this.compactAfterBytes) {
      this.compact();
      this.journalBytes = 0;
    }
  }

  close(): void {
    this.flush();
    if (this.journal !== undefined) closeSync(this.journal);
    this.journal = undefined;
  }

  private record(record: Record_): void {
    if (this.journal === undefined) return;
    this.pending.push(`${JSON.stringify(record)}\n`);
  }

  private replay(): void {
    const dir = this.dataDir!;
    const snapshot = join(dir, "snapshot.json");
    if (existsSync(snapshot)) {
      const saved = JSON.parse(readFileSync(snapshot, "utf8")) as Record<Kind, [string, unknown][]>;
      for (const kind of Object.keys(this.state) as Kind[]) {
        for (const [id, value] of saved[kind] ?? [])
          (this.state[kind] as Map<string, unknown>).set(id, value);
      }
    }
    const journal = join(dir, "journal.jsonl");
    if (!existsSync(journal)) return;
    for (const line of readFileSync(journal, "utf8").split("\n")) {
      if (!line) continue;
      let record: Record_;
      try {
        record = JSON.parse(line) as Record_;
      } catch {
        break; // a torn last line from a crash mid-write: everything before it is intact
      }
      const map = this.state[record.kind] as Map<string, unknown>;
      if (record.op === "put") map.set(record.id, record.value);
      else map.delete(record.id);
    }
  }

  /**
   * Writes the whole state as a new snapshot (write, fsync, rename), then empties the journal. A
   * crash between the two replays the old journal over the new snapshot, which changes nothing:
   * every record is an idempotent put or delete.
   */
  private compact(): void {
    const dir = this.dataDir!;
    const snapshot = Object.fromEntries(
      (Object.keys(this.state) as Kind[]).map((kind) => [
        kind,
        [...(this.state[kind] as Map<string, unknown>)],
      ]),
    );
    const temp = join(dir, "snapshot.json.tmp");
    const fd = openSync(temp, "w");
    writeSync(fd, JSON.stringify(snapshot));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, join(dir, "snapshot.json"));
    // The rename itself is durable only once the directory entry is synced.
    const dirFd = openSync(dir, "r");
    fsyncSync(dirFd);
    closeSync(dirFd);
    if (this.journal !== undefined) closeSync(this.journal);
    this.journal = openSync(join(dir, "journal.jsonl"), "w");
    fsyncSync(this.journal);
  }
}
