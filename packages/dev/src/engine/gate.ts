/** Limits for a {@link Gate}: a queue's parallelism and pause, or a flow-control key's limits. */
export interface GateLimits {
  parallelism?: number | undefined;
  rate?: number | undefined;
  periodMs?: number | undefined;
  paused?: boolean | undefined;
}

/**
 * Admits deliveries in FIFO order within a parallelism, a rate per period, and a pause switch.
 * Deliveries that cannot start wait their turn; `pump` starts as many as the limits allow.
 */
export class Gate<T> {
  inflight = 0;
  /**
   * Waiting items from `head` on. Admitting moves `head` instead of `shift()`ing, which copies the
   * whole array: with thousands waiting (5,000 messages due at once) that was quadratic. The
   * admitted prefix is dropped once it is half the array, or when nothing waits.
   */
  private queue: T[] = [];
  private head = 0;
  private starts: number[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    public limits: GateLimits,
    private readonly start: (item: T) => void,
  ) {}

  /** The items waiting, first first (a copy). */
  get waiting(): readonly T[] {
    return this.queue.slice(this.head);
  }

  /** How many items wait. */
  get waitingCount(): number {
    return this.queue.length - this.head;
  }

  enter(item: T): void {
    this.queue.push(item);
    this.pump();
  }

  /** Call when a delivery admitted by this gate has finished. */
  leave(): void {
    this.inflight--;
    this.pump();
  }

  remove(predicate: (item: T) => boolean): void {
    for (let index = this.head; index < this.queue.length; index++) {
      if (!predicate(this.queue[index]!)) continue;
      this.queue.splice(index, 1);
      return;
    }
  }

  /** Starts inside the current rate period, and when that period began (unix ms, 0 if none). */
  rateWindow(now = Date.now()): { count: number; start: number } {
    const periodMs = this.limits.periodMs ?? 1000;
    this.starts = this.starts.filter((t) => now - t < periodMs);
    return { count: this.starts.length, start: this.starts[0] ?? 0 };
  }

  /** Forgets the starts counted against the rate, so a new period begins now. */
  resetRate(): void {
    this.starts = [];
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.pump();
  }

  pump(): void {
    while (this.head < this.queue.length && this.admits()) {
      const item = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.inflight++;
      if (this.limits.rate) this.starts.push(Date.now());
      this.start(item);
    }
  }

  close(): void {
    clearTimeout(this.wakeTimer);
    this.queue = [];
    this.head = 0;
  }

  private admits(): boolean {
    const { parallelism, rate, periodMs = 1000, paused } = this.limits;
    if (paused) return false;
    if (parallelism !== undefined && this.inflight >= parallelism) return false;
    if (rate !== undefined) {
      const now = Date.now();
      this.starts = this.starts.filter((t) => now - t < periodMs);
      if (this.starts.length >= rate) {
        if (!this.wakeTimer) {
          const wait = periodMs - (now - this.starts[0]!);
          this.wakeTimer = setTimeout(() => {
            this.wakeTimer = undefined;
            this.pump();
          }, wait);
        }
        return false;
      }
    }
    return true;
  }
}
