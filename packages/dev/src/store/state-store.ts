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
import {
  checkJournalRecord,
  checkStateValue,
  type JournalRecord,
  STATE_KINDS,
  type StateKind,
} from "./state-record";

type Kind = StateKind;

/** How long a change nobody answered for may stay written but not fsynced. */
export const SYNC_INTERVAL_MS = 100;
type Record_ = JournalRecord;

/**
 * Why a data directory could not be loaded: which file, which line (of the journal), and what is
 * wrong. The server does not start and has changed nothing on disk.
 */
export class StateFileError extends Error {
  override readonly name = "StateFileError";

  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(
      `${file}${line === undefined ? "" : ` line ${line}`}: ${problem}. switchboard dev did not start and changed nothing on disk: fix or remove that ${line === undefined ? "file" : "line"}, or start with another --data-dir.`,
    );
  }
}

/**
 * Holds the server's state and, with a data directory, decides when it reaches the disk: changes
 * are appended to `journal.jsonl` once per event-loop turn, however many publishes, deliveries
 * and retries made them, so a killed process loses at most the turn in flight. The API waits with
 * {@link StateStore.commit} before every answer: then the turn's write is fsynced too, once for
 * every request answered in it (group commit), so nothing acknowledged is lost even to a machine
 * crash. Changes nobody answers for (deliveries settling, retries, schedules firing) are fsynced
 * within {@link SYNC_INTERVAL_MS}, or sooner with the next answer. On start the snapshot and
 * journal are replayed, then compacted into a new snapshot (write, fsync, rename).
 *
 * Replay is strict, so an acknowledged message is never dropped silently: only a torn last line
 * (a crash mid-write) is skipped. A corrupt or invalid record anywhere else, or an invalid last
 * record that parsed, or a damaged snapshot, throws a {@link StateFileError} naming the file and
 * line before anything is compacted.
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
  private flushQueued = false;
  /** Written to the journal but not fsynced yet (changes nobody answered for). */
  private unsynced = false;
  private syncTimer: NodeJS.Timeout | undefined;
  /** Settles when the next flush does; made only when someone waits ({@link StateStore.commit}). */
  private group: { promise: Promise<void>; resolve(): void; reject(error: unknown): void } | undefined;
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
   * Resolves once every change recorded so far is on disk: at the end of this event-loop turn,
   * with one write and one fsync for every change and every caller of the turn. Resolves at once
   * in memory or when everything is already fsynced; rejects when the write fails. The API awaits
   * it before answering, since an answer acknowledges.
   */
  commit(): Promise<void> {
    if (this.journal === undefined || (this.pending.length === 0 && !this.unsynced)) return Promise.resolve();
    if (!this.group) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.group = { promise, resolve, reject };
      this.flushAtEndOfTurn();
    }
    return this.group.promise;
  }

  /**
   * Writes every change recorded so far and fsyncs it, now; a no-op when nothing changed. Settles
   * what {@link StateStore.commit} promised. A journal past
   * {@link StateStore.compactAfterBytes} is folded into a new snapshot.
   */
  flush(): void {
    const group = this.group;
    this.group = undefined;
    try {
      this.write();
      if (this.journal !== undefined && this.unsynced) fsyncSync(this.journal);
      this.unsynced = false;
    } catch (error) {
      group?.reject(error);
      throw error;
    }
    group?.resolve();
  }

  /** Appends the pending changes to the journal, without an fsync. */
  private write(): void {
    if (this.journal === undefined || this.pending.length === 0) return;
    const text = this.pending.join("");
    writeSync(this.journal, text);
    this.pending = [];
    this.unsynced = true;
    this.journalBytes += Buffer.byteLength(text);
    if (this.journalBytes > this.compactAfterBytes) {
      this.compact(); // the snapshot is fsynced: nothing is left unsynced
      this.unsynced = false;
      this.journalBytes = 0;
    }
  }

  close(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.flush();
    if (this.journal !== undefined) closeSync(this.journal);
    this.journal = undefined;
  }

  private record(record: Record_): void {
    if (this.journal === undefined) return;
    this.pending.push(`${JSON.stringify(record)}\n`);
    this.flushAtEndOfTurn();
  }

  /**
   * Every change is written at the end of the event-loop turn that made it (`setImmediate`, after
   * the I/O callbacks of the turn): the publishes answered in that turn, the deliveries that
   * settled and the retries armed in it share one write, and one fsync when an answer waits for
   * it. A killed process loses at most the turn in flight, which no answer has acknowledged yet.
   */
  private flushAtEndOfTurn(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      if (this.group) return this.flushForWaiters();
      this.inBackground(() => this.write());
      this.syncSoon();
    });
  }

  /** Flushes for the answers waiting on {@link StateStore.commit}: a failure reaches them. */
  private flushForWaiters(): void {
    try {
      this.flush();
    } catch {
      // Every waiter was rejected with the error, and the changes stay pending for the next flush.
    }
  }

  /**
   * Fsyncs what was written for nobody in particular within {@link SYNC_INTERVAL_MS}: a machine
   * crash then loses at most that much of deliveries settling, which are delivered again.
   */
  private syncSoon(): void {
    if (this.syncTimer || !this.unsynced) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.inBackground(() => this.flush());
    }, SYNC_INTERVAL_MS);
    this.syncTimer.unref();
  }

  /** Runs a write nobody waits for: a failure is said, and the changes wait for the next flush. */
  private inBackground(write: () => void): void {
    try {
      write();
    } catch (error) {
      console.error(
        `switchboard dev: could not write ${join(this.dataDir!, "journal.jsonl")}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private replay(): void {
    const dir = this.dataDir!;
    const snapshot = join(dir, "snapshot.json");
    if (existsSync(snapshot)) this.loadSnapshot(snapshot);
    const journal = join(dir, "journal.jsonl");
    if (!existsSync(journal)) return;
    const lines = readFileSync(journal, "utf8").split("\n");
    let last = lines.length - 1;
    while (last >= 0 && lines[last]!.trim() === "") last--;
    const records: Record_[] = [];
    for (let index = 0; index <= last; index++) {
      const line = lines[index]!;
      if (line.trim() === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        if (index === last) break; // a torn last line from a crash mid-write: everything before it is intact
        throw new StateFileError(
          journal,
          index + 1,
          `not valid JSON (${(error as Error).message}); only a torn last line is skipped, and this one has ${last - index} line(s) after it`,
        );
      }
      try {
        records.push(checkJournalRecord(parsed));
      } catch (error) {
        throw new StateFileError(journal, index + 1, (error as Error).message);
      }
    }
    // Apply only once every line checked out, so a refused journal leaves no half-loaded state.
    for (const record of records) {
      const map = this.state[record.kind] as Map<string, unknown>;
      if (record.op === "put") map.set(record.id, record.value);
      else map.delete(record.id);
    }
  }

  private loadSnapshot(file: string): void {
    let saved: unknown;
    try {
      saved = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new StateFileError(file, undefined, `not valid JSON (${(error as Error).message})`);
    }
    if (typeof saved !== "object" || saved === null || Array.isArray(saved))
      throw new StateFileError(file, undefined, "not a snapshot (an object of kinds)");
    for (const kind of STATE_KINDS) {
      const entries = (saved as Record<string, unknown>)[kind] ?? [];
      if (!Array.isArray(entries)) throw new StateFileError(file, undefined, `"${kind}" must be an array`);
      for (const entry of entries as unknown[]) {
        if (!Array.isArray(entry) || typeof entry[0] !== "string")
          throw new StateFileError(file, undefined, `"${kind}" must hold [id, value] pairs`);
        const [id, value] = entry as [string, unknown];
        try {
          checkStateValue(kind, id, value);
        } catch (error) {
          throw new StateFileError(file, undefined, (error as Error).message);
        }
        (this.state[kind] as Map<string, unknown>).set(id, value);
      }
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
