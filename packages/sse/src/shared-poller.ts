import { type Clock, systemClock } from "./clock";
import { FeedError } from "./feed-error";
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
/** Opening reads per `sinceMany` call. */
const OPEN_BATCH = 100;
/** `sinceMany` calls for opening reads in flight at once; the rest wait and go out together. */
const OPEN_CONCURRENCY = 2;

interface Watched {
  watchers: FeedWatcher[];
  known: number;
  epoch: string | undefined;
}

interface PendingRead {
  request: SinceRequest;
  resolve: (result: SinceResult) => void;
  reject: (error: unknown) => void;
}

/**
 * One poller per store per process. Every interval it reads the change counters of ALL recipients
 * with open streams in one `versions()` call (one MGET on Redis), then serves every stream whose
 * recipient changed with ONE batched read (`sinceMany`, one EVAL on Redis). Idle cost is one
 * command per interval, whatever the number of connections. A write from this process wakes its
 * recipient's streams at once with what it wrote; with a store that can `subscribe` (Redis
 * pub/sub), writes from other processes do too, and the message carries the item. Then the poll
 * is the safety net for a lost message: a change it sees first is served by the next poll unless
 * its message comes in between.
 */
export class SharedPoller {
  /**
   * Each watched recipient: its open streams (usually one or two, so an array), the change
   * counter they have caught up to (or will, once woken), and its feed epoch as last seen (a feed
   * created again restarts its counter).
   */
  private readonly watched = new Map<string, Watched>();
  /** Recipients notified while a poll's read was in flight: its (maybe older) counter is not news. */
  private readonly notifiedDuringPoll = new Set<string>();
  /**
   * With pub/sub on: the counter a poll saw move for each recipient before any message announced
   * it. The message is on its way and carries the item, so that poll leaves it to the message
   * (reading the store would race it and take longer); the next poll serves it if the message
   * never came. A lost message costs at most two intervals instead of one.
   */
  private readonly unannounced = new Map<string, number>();
  private timer: unknown;
  private unsubscribe: (() => void) | undefined;
  private polling = false;
  /** Opening reads waiting for a `sinceMany` call. */
  private readonly reads: PendingRead[] = [];
  private reading = 0;

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
    let entry = this.watched.get(recipient);
    if (!entry) {
      entry = { watchers: [], known: version, epoch: epoch || undefined };
      this.watched.set(recipient, entry);
    } else {
      entry.epoch ??= epoch || undefined;
      // A poll ran between this stream's read and now: it may have missed a change the others saw.
      if (entry.known !== version) queueMicrotask(() => watcher.wake());
    }
    entry.watchers.push(watcher);
    // The tick returns the poll's promise: the real clock ignores it, a test clock can await it.
    this.timer ??= this.clock.setInterval(() => this.poll(), this.intervalMs);
    this.unsubscribe ??= this.store.subscribe?.((changed, version, change) =>
      this.notify(changed, version, change),
    );
    return () => this.unwatch(recipient, watcher);
  }

  /** Stops telling `watcher` about `recipient`'s feed (what `watch`'s returned function does). */
  unwatch(recipient: string, watcher: FeedWatcher): void {
    const entry = this.watched.get(recipient);
    const at = entry ? entry.watchers.indexOf(watcher) : -1;
    if (at === -1) return;
    entry!.watchers.splice(at, 1);
    if (entry!.watchers.length === 0) {
      this.watched.delete(recipient);
      this.unannounced.delete(recipient);
    }
    if (this.watched.size === 0) this.stop();
  }

  /**
   * A stream's opening read. Reads asked for while others are in flight wait and go out together
   * in one `sinceMany` call (one EVAL on Redis): a thousand clients reconnecting at once (after a
   * deploy) cost a few round trips and connections, not a thousand. A read asked for while none
   * is in flight goes out at once, so a lone stream waits for nothing.
   */
  read(request: SinceRequest): Promise<SinceResult> {
    if (!this.store.sinceMany) return this.store.since(request.recipient, request.after, request.limit);
    return new Promise((resolve, reject) => {
      this.reads.push({ request, resolve, reject });
      if (this.reading < OPEN_CONCURRENCY) void this.readBatches();
    });
  }

  private async readBatches(): Promise<void> {
    this.reading++;
    try {
      while (this.reads.length > 0) {
        const batch = this.reads.splice(0, OPEN_BATCH);
        try {
          const results = await this.store.sinceMany!(batch.map((read) => read.request));
          batch.forEach((read, i) => {
            const result = results[i];
            if (result) read.resolve(result);
            else
              read.reject(
                new FeedError(
                  `The feed store's sinceMany answered ${results.length} results for ${batch.length} reads.`,
                ),
              );
          });
        } catch (error) {
          for (const read of batch) read.reject(error);
        }
      }
    } finally {
      this.reading--;
    }
  }

  /**
   * Wakes a recipient's streams now (a write in this process, or a pub/sub message). With the
   * write's `version`, a change already seen (by a poll, or the other of write and message) wakes
   * nobody; with `change`, streams write it without reading the store.
   */
  notify(recipient: string, version?: number, change?: FeedChange): void {
    const entry = this.watched.get(recipient);
    if (!entry) return;
    if (version !== undefined) {
      // A feed that expired and was created again counts from 1 in a new epoch: that is news.
      const recreated = change?.epoch && entry.epoch && change.epoch !== entry.epoch;
      if (version <= entry.known && !recreated) return;
      entry.known = version;
    }
    if (change?.epoch) entry.epoch = change.epoch;
    if (this.polling) this.notifiedDuringPoll.add(recipient);
    // A copy: a woken stream may close (and leave the list) while it is told.
    for (const watcher of [...entry.watchers]) watcher.wake(change);
  }

  /** Open streams being watched. */
  get size(): number {
    let n = 0;
    for (const entry of this.watched.values()) n += entry.watchers.length;
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
    this.unannounced.clear();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.watched.size === 0) return;
    this.polling = true;
    this.notifiedDuringPoll.clear();
    try {
      const recipients = [...this.watched.keys()];
      const versions = await this.store.versions(recipients);
      const changed: string[] = [];
      recipients.forEach((recipient, i) => {
        const version = versions[i] ?? 0;
        const entry = this.watched.get(recipient);
        // Its last stream closed during the poll, or a write or message told us since: the
        // counter read may be older than what the streams were given.
        if (entry === undefined || this.notifiedDuringPoll.has(recipient)) return;
        if (version === entry.known) {
          this.unannounced.delete(recipient);
          return;
        }
        if (version > entry.known && this.unsubscribe !== undefined) {
          const seen = this.unannounced.get(recipient);
          // First sighting, or the change seen last time was announced since: give the message
          // until the next poll. (A lower counter is a feed created again: served at once.)
          if (seen === undefined || entry.known >= seen) {
            this.unannounced.set(recipient, version);
            return;
          }
        }
        this.unannounced.delete(recipient);
        entry.known = version;
        changed.push(recipient);
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
      for (const watcher of [...(this.watched.get(recipient)?.watchers ?? [])]) {
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
