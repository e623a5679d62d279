/** Node timers overflow past ~24.8 days; a far-future entry is re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

interface Entry<T> {
  id: string;
  at: number;
  seq: number;
  item: T;
  live: boolean;
}

/**
 * What waits for its due time: one min-heap and one timer for all of it, instead of a timer per
 * message. Due entries are handed out in due order (publish order among equals) and in slices of
 * `sliceSize`, with a `setImmediate` between slices, so thousands due at once never hold the
 * event loop: deliveries already under way and API requests get their turn between slices.
 *
 * @example
 * ```ts
 * const timeline = new DueTimeline<StoredMessage>((message) => deliver(message));
 * timeline.add(message.messageId, message.notBefore, message);
 * ```
 */
export class DueTimeline<T> {
  private readonly heap: Entry<T>[] = [];
  private readonly entries = new Map<string, Entry<T>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private sliceQueued = false;
  private seq = 0;
  private closed = false;

  /**
   * @param due called with each entry once its time has come.
   * @param sliceSize entries handed out per event-loop turn. Each one starts its attempt (signing,
   * a request) in the same turn, all of them step by step through the same microtask queue, so the
   * first request leaves only once the whole slice is signed: 16 sends the first of 5,000 due at
   * once a few ms after the instant, where 256 took 10–40 ms on 2 shared cores (see
   * docs/benchmarks.md). @default 16
   * @param now the clock (unix ms). @default Date.now
   */
  constructor(
    private readonly due: (item: T) => void,
    private readonly sliceSize = 16,
    private readonly now: () => number = Date.now,
  ) {}

  /** Entries waiting. */
  get size(): number {
    return this.entries.size;
  }

  /** Schedules `item` for `at` (unix ms), replacing what `id` had. */
  add(id: string, at: number, item: T): void {
    if (this.closed) return;
    this.remove(id);
    const entry: Entry<T> = { id, at, seq: ++this.seq, item, live: true };
    this.entries.set(id, entry);
    this.push(entry);
    this.schedule();
  }

  /** Drops what `id` waits for; `false` when nothing waited. */
  remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.live = false; // left in the heap, skipped when it surfaces
    this.entries.delete(id);
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.entries.clear();
    this.heap.length = 0;
  }

  /** Hands out one slice of due entries, then schedules what comes next. */
  private runSlice(): void {
    this.sliceQueued = false;
    const now = this.now();
    let handed = 0;
    while (handed < this.sliceSize && !this.closed) {
      const top = this.heap[0];
      if (!top || (top.live && top.at > now)) break;
      this.pop();
      if (!top.live) continue;
      this.entries.delete(top.id);
      top.live = false;
      handed++;
      this.due(top.item);
    }
    this.schedule();
  }

  /** Arms the timer for the earliest entry, or queues the next slice when it is already due. */
  private schedule(): void {
    if (this.closed || this.sliceQueued) return;
    while (this.heap[0] && !this.heap[0].live) this.pop();
    const top = this.heap[0];
    if (!top) return;
    const wait = top.at - this.now();
    if (wait <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.sliceQueued = true;
      setImmediate(() => this.runSlice());
      return;
    }
    if (this.timer && this.timerAt <= top.at) return;
    clearTimeout(this.timer);
    this.timerAt = top.at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.runSlice();
      },
      Math.min(wait, MAX_TIMER_MS),
    );
  }

  private before(a: Entry<T>, b: Entry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(entry: Entry<T>): void {
    const heap = this.heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) break;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
