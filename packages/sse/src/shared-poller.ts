import type { FeedStore } from "./feed-store";

type Listener = () => void;

/**
 * One poller per store per process. Every interval it reads the change counters of ALL recipients
 * with open streams in one `versions()` call (one HMGET on Redis) and wakes only the streams whose
 * recipient changed. Idle cost is one command per interval, whatever the number of connections.
 * A push from this process wakes its recipient's streams at once, without waiting for the poll.
 */
export class SharedPoller {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly known = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly store: FeedStore,
    private readonly intervalMs: number,
  ) {}

  /**
   * Calls `listener` whenever `recipient`'s feed changes after `version` (the change counter the
   * caller read when it caught up). Returns the unsubscribe function.
   */
  watch(recipient: string, listener: Listener, version: number): () => void {
    // Keep the oldest known version: if it differs from the next poll, every stream catches up.
    if (!this.known.has(recipient)) this.known.set(recipient, version);
    let set = this.listeners.get(recipient);
    if (!set) {
      set = new Set();
      this.listeners.set(recipient, set);
    }
    set.add(listener);
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(recipient);
        this.known.delete(recipient);
      }
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Wakes a recipient's streams now (a push or mark-read in this process). */
  notify(recipient: string): void {
    for (const listener of this.listeners.get(recipient) ?? []) listener();
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

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
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
        this.known.set(recipient, version);
        if (before !== undefined && before !== version) this.notify(recipient);
      });
    } catch {
      // A failed poll is retried on the next tick; streams stay open.
    } finally {
      this.polling = false;
    }
  }
}
