import { type Clock, systemClock } from "./clock";
import type { FeedStore } from "./feed-store";

type Listener = () => void;

/**
 * One poller per store per process. Every interval it reads the change counters of ALL recipients
 * with open streams in one `versions()` call (one MGET on Redis) and wakes only the streams whose
 * recipient changed. Idle cost is one command per interval, whatever the number of connections.
 * A write from this process wakes its recipient's streams at once; with a store that can
 * `subscribe` (Redis pub/sub), writes from other processes do too.
 */
export class SharedPoller {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The change counter each watched recipient's streams have caught up to (or will, once woken). */
  private readonly known = new Map<string, number>();
  private timer: unknown;
  private unsubscribe: (() => void) | undefined;
  private polling = false;

  constructor(
    private readonly store: FeedStore,
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Calls `listener` whenever `recipient`'s feed changes after `version` (the change counter the
   * caller read when it caught up). Returns the unsubscribe function.
   */
  watch(recipient: string, listener: Listener, version: number): () => void {
    const known = this.known.get(recipient);
    if (known === undefined) this.known.set(recipient, version);
    // A poll ran between this stream's read and now: it may have missed a change the others saw.
    else if (known !== version) queueMicrotask(listener);
    let set = this.listeners.get(recipient);
    if (!set) {
      set = new Set();
      this.listeners.set(recipient, set);
    }
    set.add(listener);
    // The tick returns the poll's promise: the real clock ignores it, a test clock can await it.
    this.timer ??= this.clock.setInterval(() => this.poll(), this.intervalMs);
    this.unsubscribe ??= this.store.subscribe?.((changed, changedVersion) => {
      const before = this.known.get(changed);
      if (before === undefined || changedVersion <= before) return;
      this.notify(changed, changedVersion);
    });
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(recipient) === set) {
        this.listeners.delete(recipient);
        this.known.delete(recipient);
      }
      if (this.listeners.size === 0) this.stop();
    };
  }

  /**
   * Wakes a recipient's streams now (a write in this process, or a pub/sub message). With the
   * write's `version`, the next poll will not wake them a second time for the same change.
   */
  notify(recipient: string, version?: number): void {
    const set = this.listeners.get(recipient);
    if (!set) return;
    const known = this.known.get(recipient);
    if (version !== undefined && (known === undefined || version > known)) this.known.set(recipient, version);
    for (const listener of set) listener();
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
    try {
      const recipients = [...this.listeners.keys()];
      const versions = await this.store.versions(recipients);
      recipients.forEach((recipient, i) => {
        const version = versions[i] ?? 0;
        const before = this.known.get(recipient);
        if (before === undefined) return; // its last stream closed during the poll
        this.known.set(recipient, version);
        if (before !== version) this.notify(recipient);
      });
    } catch {
      // A failed poll is retried on the next tick; streams stay open.
    } finally {
      this.polling = false;
    }
  }
}
