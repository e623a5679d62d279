import { type Clock, systemClock } from "./clock";
import type { FeedChange, FeedStore, SinceRequest, SinceResult } from "./feed-store";

/** One open stream, as the poller sees it. Internal. */
export interface FeedWatcher {
  /**
   * The recipient's feed changed. With `change` (what the write did) a stream exactly one change
   * behind writes it as is; otherwise, or on any doubt, it reads the store.
   */
  wake(change?: FeedChange): void;
  /**
   * The id after which this stream needs items, when it can take its share of a batched read now
   * (idle, caught up, with room); `undefined` when it should read on its own.
   */
  position(): number | undefined;
  /** A batched read's result for this stream's recipient: items after `after`. */
  deliver(result: SinceResult, after: number): void;
}

/** Items per recipient in the poll's batched read; a stream with more reads the rest itself. */
const POLL_READ_LIMIT = 100;

/**
 * One poller per store per process. Every interval it reads the change counters of ALL recipients
 * with open streams in one `versions()` call (one MGET on Redis), then serves every stream whose
 * recipient changed with ONE batched read (`sinceMany`, one EVAL on Redis). Idle cost is one
 * command per interval, whatever the number of connections. A write from this process wakes its
 * recipient's streams at once with what it wrote; with a store that can `subscribe` (Redis
 * pub/sub), writes from other processes do too, and the message carries the item.
 */
export class SharedPoller {
  private readonly listeners = new Map<string, Set<FeedWatcher>>();
  /** The change counter each watched recipient's streams have caught up to (or will, once woken). */
  private readonly known = new Map<string, number>();
  /** Each watched recipient's feed epoch, as last seen: a feed created again restarts its counter. */
  private readonly epochs = new Map<string, string>();
  /** Recipients notified while a poll's read was in flight: its (maybe older) counter is not news. */
  private readonly notifiedDuringPoll = new Set<string>();
  private timer: unknown;
  private unsubscribe: (() => void) | undefined;
  private polling = false;

  constructor(
    private readonly store: FeedStore,
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Tells `watcher` whenever `recipient`'s feed changes after `version` (the change counter the
   * caller read when it caught up, with the feed's `epoch`). Returns the unsubscribe function.
   */
  watch(recipient: string, watcher: FeedWatcher, version: number, epoch?: string): () => void {
    const known = this.known.get(recipient);
    if (epoch && !this.epochs.has(recipient)) this.epochs.set(recipient, epoch);
    if (known === undefined) this.known.set(recipient, version);
    // A poll ran between this stream's read and now: it may have missed a change the others saw.
    else if (known !== version) queueMicrotask(() => watcher.wake());
    let set = this.listeners.get(recipient);
    if (!set) {
      set = new Set();
      this.listeners.set(recipient, set);
    }
    set.add(watcher);
    // The tick returns the poll's promise: the real clock ignores it, a test clock can await it.
    this.timer ??= this.clock.setInterval(() => this.poll(), this.intervalMs);
    this.unsubscribe ??= this.store.subscribe?.((changed, version, change) =>
      this.notify(changed, version, change),
    );
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.listeners.get(recipient) === set) {
        this.listeners.delete(recipient);
        this.known.delete(recipient);
        this.epochs.delete(recipient);
      }
      if (this.listeners.size === 0) this.stop();
    };
  }

  /**
   * Wakes a recipient's streams now (a write in this process, or a pub/sub message). With the
   * write's `version`, a change already seen (by a poll, or the other of write and message) wakes
   * nobody; with `change`, streams write it without reading the store.
   */
  notify(recipient: string, version?: number, change?: FeedChange): void {
    const set = this.listeners.get(recipient);
    if (!set) return;
    if (version !== undefined) {
      const known = this.known.get(recipient);
      const epoch = this.epochs.get(recipient);
      // A feed that expired and was created again counts from 1 in a new epoch: that is news.
      const recreated = change?.epoch && epoch && change.epoch !== epoch;
      if (known !== undefined && version <= known && !recreated) return;
      this.known.set(recipient, version);
    }
    if (change?.epoch) this.epochs.set(recipient, change.epoch);
    if (this.polling) this.notifiedDuringPoll.add(recipient);
    for (const watcher of set) watcher.wake(change);
  }

  /** Open streams being watched. */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** `true` while the interval timer runs (there is at least one open stream). */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Stops polling and unsubscribes; the next `watch` starts again. */
  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.listeners.size === 0) return;
    this.polling = true;
    this.notifiedDuringPoll.clear();
    try {
      const recipients = [...this.listeners.keys()];
      const versions = await this.store.versions(recipients);
      const changed: string[] = [];
      recipients.forEach((recipient, i) => {
        const version = versions[i] ?? 0;
        const before = this.known.get(recipient);
        // Its last stream closed during the poll, or a write or message told us since: the
        // counter read may be older than what the streams were given.
        if (before === undefined || this.notifiedDuringPoll.has(recipient)) return;
        this.known.set(recipient, version);
        if (before !== version) changed.push(recipient);
      });
      await this.serve(changed);
    } catch {
      // A failed poll is retried on the next tick; streams stay open.
    } finally {
      this.polling = false;
    }
  }

  /** Serves the streams of every changed recipient with one batched read. */
  private async serve(recipients: string[]): Promise<void> {
    const requests: SinceRequest[] = [];
    const batches: FeedWatcher[][] = [];
    for (const recipient of recipients) {
      const batch: FeedWatcher[] = [];
      let after = Number.POSITIVE_INFINITY;
      for (const watcher of this.listeners.get(recipient) ?? []) {
        const position = watcher.position();
        if (position === undefined || !this.store.sinceMany) watcher.wake();
        else {
          batch.push(watcher);
          after = Math.min(after, position);
        }
      }
      if (batch.length === 0) continue;
      requests.push({ recipient, after, limit: POLL_READ_LIMIT });
      batches.push(batch);
    }
    if (requests.length === 0 || !this.store.sinceMany) return;
    let results: SinceResult[];
    try {
      results = await this.store.sinceMany(requests);
    } catch {
      // The poll already counted these changes as seen: let each stream read for itself.
      for (const batch of batches) for (const watcher of batch) watcher.wake();
      return;
    }
    batches.forEach((batch, i) => {
      const result = results[i];
      for (const watcher of batch) {
        if (result) watcher.deliver(result, requests[i]!.after);
        else watcher.wake();
      }
    });
  }
}
