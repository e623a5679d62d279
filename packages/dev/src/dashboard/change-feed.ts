import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Tells the dashboard's open pages that something changed, as Server-Sent Events: one
 * `event: change` per burst of changes (a burst is what happens within `coalesceMs`), carrying a
 * counter. Pages then fetch the overview again, so an event carries no message data.
 *
 * Changes are announced with {@link ChangeFeed.notify}; what nobody announces (an attempt
 * starting, which only the engine's event log records) is caught by `watch`, a cheap reading
 * compared every `watchMs` while a page is open.
 *
 * @example
 * ```ts
 * const feed = new ChangeFeed();
 * createServer((req, res) => feed.stream(req, res));
 * feed.notify(); // every open stream gets "event: change"
 * ```
 */
export class ChangeFeed {
  private readonly streams = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private version = 0;
  private watcher: NodeJS.Timeout | undefined;
  private watched: unknown;

  /**
   * @param watch a reading that changes whenever the state does (the last event's number).
   * @param coalesceMs how long to gather changes into one event.
   * @param watchMs how often `watch` is read while a page is open.
   */
  constructor(
    private readonly watch: () => unknown = () => undefined,
    private readonly coalesceMs = 25,
    private readonly watchMs = 250,
  ) {}

  /** Something changed: tell every open stream, once per burst. */
  notify(): void {
    this.version++;
    if (this.timer !== undefined || this.streams.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const res of this.streams) res.write(`event: change\ndata: ${this.version}\n\n`);
    }, this.coalesceMs);
  }

  /** Answers `req` with an event stream that stays open until the page goes away or {@link close}. */
  stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
    // Sends the headers at once, so the page knows it is connected.
    res.write(`event: change\ndata: ${this.version}\n\n`);
    this.streams.add(res);
    if (this.watcher === undefined) this.watched = this.watch();
    this.watcher ??= setInterval(() => {
      const reading = this.watch();
      if (reading === this.watched) return;
      this.watched = reading;
      this.notify();
    }, this.watchMs).unref();
    const forget = () => {
      this.streams.delete(res);
      if (this.streams.size > 0) return;
      clearInterval(this.watcher);
      this.watcher = undefined;
    };
    req.once("close", forget);
    res.once("close", forget);
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.watcher);
    this.watcher = undefined;
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}
