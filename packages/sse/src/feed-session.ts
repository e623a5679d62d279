import type { Clock } from "./clock";
import { EPOCH_PATTERN } from "./feed-epoch";
import { FeedError } from "./feed-error";
import type { FeedCounts, FeedItem, FeedStateChange } from "./feed-item";
import type { FeedChange, FeedStore, SinceResult } from "./feed-store";
import type { FeedWatcher, SharedPoller } from "./shared-poller";
import { formatSseComment, formatSseEvent } from "./sse-event";

/** Options for `feed.stream` and `feed.streamNode`. */
export interface StreamOptions {
  /**
   * Whose feed to stream. Take it from your own auth (session, token), never from the query
   * string: with no recipient the stream answers 401.
   */
  recipient: string | undefined | null;
  /** Send a comment at least this often so proxies keep the connection open. @default 15000 */
  heartbeatMs?: number;
  /**
   * End the stream after about this long (up to 10% earlier, at random, so reconnects after a
   * deploy spread out), before the platform's limit; the browser reconnects and resumes.
   * @default 280000
   */
  maxDurationMs?: number;
  /** Reconnection delay the browser is told to use (`retry:`). @default 2000 */
  retryMs?: number;
  /** Resume by replaying at most this many items; a larger gap sends one `event: reset` instead. @default 100 */
  maxReplay?: number;
  /**
   * The most bytes the stream holds for a client that is not reading (its socket is full). At the
   * bound the stream stops reading the feed (the store keeps the items) and goes on when the
   * client reads again. A client that takes nothing for a whole `heartbeatMs` while bytes wait is
   * cut off: the stream errors, the connection drops, and on reconnect `Last-Event-ID` resumes
   * it exactly. One item larger than the bound still goes out when nothing else waits.
   * @default 262144 (256 KiB)
   */
  maxBufferedBytes?: number;
}

/** What the stream needs from the feed. Internal. */
export interface StreamSource {
  store: FeedStore;
  poller: SharedPoller;
  /** Replays are capped below the feed's `maxItems`, so trimmed items always mean a reset. */
  maxItems: number;
  /** Runs the heartbeat (and with it the slow-client cut-off) and the `maxDurationMs` deadline. */
  clock: Clock;
}

/**
 * Where a session's bytes go: a web `ReadableStream` (`feed.stream`) or a Node response
 * (`feed.streamNode`). Internal.
 */
export interface FeedSink {
  /** Sends one step's events as one chunk; `bytes` is its UTF-8 length. */
  write(text: string, bytes: number): void;
  /** Bytes sent that the client has not taken yet. */
  waiting(): number;
  /** Ends the response: everything written still goes out. */
  end(): void;
  /** Drops the connection (what waits is discarded) because the client stopped reading. */
  fail(error: FeedError): void;
}

/** The stream's settings, checked and defaulted. Internal. */
export interface SessionSettings {
  heartbeatMs: number;
  /** Already randomised: up to 10% below the option. */
  maxDurationMs: number;
  retryMs: number;
  maxReplay: number;
  maxBufferedBytes: number;
}

/** A stream ready to open: whose it is, its settings, and where the client resumes. Internal. */
export interface PreparedStream {
  recipient: string;
  settings: SessionSettings;
  resume: Resume;
}

/**
 * What every front (`feed.stream`, `feed.streamNode`) checks before it answers: a recipient (else
 * the 401 message to send), the settings (a bad one throws), and the `Last-Event-ID` (`header`,
 * or the `lastEventId` query parameters, read only without the header). Internal.
 */
export function prepareStream(
  source: StreamSource,
  options: StreamOptions,
  header: string | null,
  query: () => string[],
): PreparedStream | { refused: string } {
  const { recipient } = options;
  if (typeof recipient !== "string" || recipient === "")
    return { refused: "No recipient: pass the signed-in user's id from your own auth to feed.stream." };
  return {
    recipient,
    settings: sessionSettings(options, source.maxItems),
    resume: readResume(header, query),
  };
}

/** Checks and defaults `options` against the feed's `maxItems`. */
function sessionSettings(options: StreamOptions, maxItems: number): SessionSettings {
  const maxBufferedBytes = options.maxBufferedBytes ?? 262_144;
  if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < 1)
    throw new FeedError(
      `feed.stream: maxBufferedBytes must be a whole number >= 1, got ${maxBufferedBytes}.`,
    );
  return {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxDurationMs: Math.round((options.maxDurationMs ?? 280_000) * (0.9 + Math.random() * 0.1)),
    retryMs: options.retryMs ?? 2_000,
    maxReplay: Math.min(options.maxReplay ?? 100, maxItems - 1),
    maxBufferedBytes,
  };
}

/** The response headers of every stream. Internal. */
export const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
} as const;

const IDLE: Promise<void> = Promise.resolve();
/** Items read per round trip while catching up. */
const CATCH_UP_BATCH = 500;
/** `since(NOTHING_AFTER)` reads only the counters. */
const NOTHING_AFTER = Number.MAX_SAFE_INTEGER;

/**
 * One open stream for one recipient, whatever carries its bytes. Sends `event: notification` (with
 * `id:`) for each new item, `event: unread` and `event: counts` when they change, `event: state`
 * for flags changed on existing items, `event: refresh` when something changed that it cannot
 * describe (a removal, a change learned by polling, a resume), `event: reset` when a reconnect
 * missed more than `maxReplay` items (or the feed no longer has the id), and a comment heartbeat.
 *
 * One object per open stream, its methods on the prototype: an idle stream costs its fields, two
 * timers and its place in the poller, not a closure per step. Internal.
 */
export class FeedSession implements FeedWatcher {
  private closed = false;
  private lastId = 0;
  private epoch = "";
  private lastUnread = -1;
  private lastCounts = "";
  /** The newest id issued (the feed's sequence) at change counter `version`. */
  private knownSeq = 0;
  /**
   * `synced`: everything up to change counter `version` has been written (or was not this
   * stream's to write), so a change at `version + 1` can be written as it comes.
   */
  private version = 0;
  private synced = false;
  /** Bytes handed to the sink so far; minus what still waits, what the client has taken. */
  private written = 0;
  /** Stopped reading the feed for lack of room: a read that makes `needed` bytes of room goes on. */
  private behind = false;
  private needed = 0;
  /**
   * Each step (the opening, one catch-up batch) goes out as ONE chunk: a client that keeps up
   * takes it at once, so only a client that stopped lets bytes wait.
   */
  private out = "";
  private outBytes = 0;
  /** Everything this stream does with the feed runs serially, in order; `IDLE` when nothing runs. */
  private pending = IDLE;
  private queued = 0;
  private consumedAtBeat = -1;
  /** One timer per stream: the next heartbeat, or the deadline when that comes first. */
  private timer: unknown;
  /** Milliseconds of `maxDurationMs` left after the armed timer fires (counted, not read off the clock). */
  private left: number;
  private readonly fire: () => void;

  constructor(
    private readonly source: StreamSource,
    private readonly recipient: string,
    private readonly settings: SessionSettings,
    private readonly sink: FeedSink,
  ) {
    this.left = settings.maxDurationMs;
    // Made here, not as a class field: a field's arrow function gets its own `name` property,
    // which costs each open stream a few hundred bytes of heap.
    this.fire = () => this.onTimer();
  }

  /** Sends `ready`, replays after `resume`, and starts watching the feed. */
  start(resume: Resume): void {
    this.arm();
    this.emit(formatSseEvent({ event: "ready", data: "{}", retry: this.settings.retryMs }));
    this.flush();
    // The browser reconnects after `retry` when the opening read fails.
    this.pending = this.open(resume).catch(() => this.close());
  }

  /** Ends the stream cleanly (abort, `maxDurationMs`, the client went away). */
  close(): void {
    if (this.stop()) this.sink.end();
  }

  /** The client took bytes: a stream that stopped for lack of room goes on once there is some. */
  resume(): void {
    if (!this.behind || this.closed || (this.room() < this.needed && this.sink.waiting() > 0)) return;
    this.behind = false;
    this.enqueue(() => this.read());
  }

  // FeedWatcher: how the shared poller reaches this stream.

  wake(change?: FeedChange): void {
    this.enqueue(() => (change ? this.applyChange(change) : this.read()));
  }

  position(): number | undefined {
    return this.closed || this.behind || !this.synced || this.queued > 0 ? undefined : this.lastId;
  }

  deliver(result: SinceResult, after: number): void {
    this.enqueue(() => {
      if (this.closed || this.behind) return;
      if (this.synced && result.version <= this.version) return; // this stream is already past it
      // The batch started after an id this stream has not sent: read the rest itself.
      if (!this.synced || after > this.lastId || !this.apply(result)) return this.read();
    });
  }

  /** One read gives the replay, the counters, the newest id, the epoch and the version to watch from. */
  private async open(resume: Resume): Promise<void> {
    const { poller } = this.source;
    const from = resume.kind === "id" ? resume.id : NOTHING_AFTER;
    const opened = await poller.read({
      recipient: this.recipient,
      after: from,
      limit: this.settings.maxReplay,
    });
    if (this.closed) return;
    let resumed = false;
    if (resume.kind === "none") {
      this.lastId = opened.latestId;
      this.epoch = opened.epoch;
    } else if (resume.kind === "unreadable") this.sendReset(opened, "unknown-id", null);
    else if ((resume.epoch !== undefined && resume.epoch !== opened.epoch) || resume.id > opened.latestId)
      this.sendReset(opened, "unknown-id", resume.id);
    else if (opened.more) this.sendReset(opened, "gap", resume.id);
    else {
      this.lastId = resume.id;
      this.epoch = opened.epoch;
      resumed = true;
      if (!this.sendItems(opened.items)) this.behind = true;
    }
    if (!this.behind) {
      this.sendUnread(opened.unread);
      this.sendCounts(opened.counts);
      // Back after a drop: flags may have changed meanwhile, and no event says which.
      if (resumed) this.sendRefresh();
    }
    this.version = opened.version;
    this.knownSeq = opened.latestId;
    this.synced = !this.behind;
    this.flush();
    // A change after the read makes the first poll see a new version.
    poller.watch(this.recipient, this, opened.version, opened.epoch);
    if (this.queued === 0) this.pending = IDLE;
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.queued++;
    this.pending = this.pending
      .then(step)
      .catch(() => {}) // a failed read is retried on the next wake-up
      .finally(() => {
        // Nothing chained after this step: an idle stream keeps no promise of its own.
        if (--this.queued === 0) this.pending = IDLE;
      });
  }

  /** Catches up from the last id sent, in batches, while there is room. */
  private async read(): Promise<void> {
    for (;;) {
      if (this.closed || this.behind) return;
      if (this.room() <= 0) {
        this.behind = true;
        this.synced = false;
        this.needed = 1;
        return;
      }
      const now = await this.source.store.since(this.recipient, this.lastId, CATCH_UP_BATCH);
      if (this.closed) return;
      if (this.apply(now)) return;
    }
  }

  /** Writes one read's result; `true` when this stream is done reading for now (caught up, or out of room). */
  private apply(now: SinceResult): boolean {
    let complete = true;
    let reset = false;
    // The feed went backwards or was created again (its keys expired or were deleted): its ids
    // are not the ones this stream sent, so start over.
    if (now.latestId < this.lastId || (this.epoch !== "" && now.epoch !== this.epoch)) {
      this.sendReset(now, "unknown-id", this.lastId);
      reset = true;
    } else {
      this.epoch = now.epoch;
      complete = this.sendItems(now.items);
    }
    const caughtUp = complete && !now.more;
    if (caughtUp) {
      // Every push adds one id and one change; more changes than new ids means flags changed or
      // items went (another process, unannounced): say so, the client refetches.
      const unannounced = !reset && now.version - this.version > now.latestId - this.knownSeq;
      this.sendUnread(now.unread);
      this.sendCounts(now.counts);
      if (unannounced) this.sendRefresh();
      this.version = now.version;
      this.knownSeq = now.latestId;
    }
    this.synced = caughtUp;
    this.flush();
    if (!complete) this.behind = true;
    return !complete || !now.more;
  }

  /**
   * A write's change, from this process or a pub/sub message. Written as it is only when it is
   * exactly the next change (counter, epoch, and the next id); anything else (a missed message,
   * an item too large to carry) reads the store, so the stream stays exact.
   */
  private applyChange(change: FeedChange): Promise<void> | undefined {
    if (this.closed || this.behind) return; // `resume` reads once there is room
    // A feed created again (new epoch) restarts its counter: read, which resets the client.
    if (this.epoch !== "" && change.epoch !== this.epoch) return this.read();
    if (this.synced && change.version <= this.version) return; // already written
    const { item } = change;
    if (
      !this.synced ||
      change.version !== this.version + 1 ||
      change.itemId !== undefined ||
      change.counts === undefined ||
      (item !== undefined && item.id !== this.lastId + 1)
    )
      return this.read();
    this.epoch = change.epoch;
    if (item && !this.sendItems([item])) {
      this.behind = true;
      this.synced = false;
      this.flush();
      return;
    }
    if (change.state) this.sendState(change.state);
    this.version = change.version;
    if (item) this.knownSeq = item.id;
    this.sendUnread(change.unread);
    this.sendCounts(change.counts);
    // Neither an item nor flags (a removal): the client refetches what it shows.
    if (!item && !change.state) this.sendRefresh();
    this.flush();
  }

  /**
   * A heartbeat keeps an idle connection open. With bytes waiting the connection is not idle but
   * stuck: if the client took nothing since the last beat, cut it off.
   */
  private beat(): void {
    const waiting = this.sink.waiting();
    const consumed = this.written - waiting;
    if (waiting > 0 && consumed === this.consumedAtBeat) {
      this.cutOff();
      return;
    }
    this.consumedAtBeat = consumed;
    if (waiting > 0) return;
    this.emit(formatSseComment("ping"));
    this.flush();
    this.resume();
  }

  /** Arms the one timer for the next heartbeat, or for the deadline when that comes first. */
  private arm(): void {
    const wait = Math.min(this.settings.heartbeatMs, this.left);
    this.left -= wait;
    this.timer = this.source.clock.setTimeout(this.fire, wait);
  }

  /** The timer's callback: the deadline, or a heartbeat and the next timer. */
  private onTimer(): void {
    if (this.left <= 0) this.close();
    else {
      this.beat();
      if (!this.closed) this.arm();
    }
  }

  /** Stops the timer and watching; `false` when already stopped. */
  private stop(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.source.clock.clearTimeout(this.timer);
    this.source.poller.unwatch(this.recipient, this);
    return true;
  }

  /** Erroring drops what waits (a clean close would keep it for a client that may never read again). */
  private cutOff(): void {
    const waiting = this.sink.waiting();
    if (!this.stop()) return;
    const { heartbeatMs, maxBufferedBytes } = this.settings;
    this.sink.fail(
      new FeedError(
        `feed.stream: the client stopped reading: it took nothing for ${heartbeatMs} ms while ${waiting} bytes waited (maxBufferedBytes (${maxBufferedBytes})). The stream ended; the client resumes from Last-Event-ID when it reconnects.`,
      ),
    );
  }

  private emit(text: string): void {
    this.out += text;
    this.outBytes += utf8Length(text);
  }

  private flush(): void {
    if (this.closed || this.outBytes === 0) return;
    const text = this.out;
    const bytes = this.outBytes;
    this.out = "";
    this.outBytes = 0;
    this.written += bytes;
    this.sink.write(text, bytes);
  }

  /** Room left under `maxBufferedBytes` for this step. */
  private room(): number {
    return this.settings.maxBufferedBytes - this.sink.waiting() - this.outBytes;
  }

  /** `id:` on every event keeps the browser's Last-Event-ID at the newest item this stream sent. */
  private eventId(): string | number {
    return this.epoch === "" ? this.lastId : `${this.epoch}:${this.lastId}`;
  }

  /** Queues the items that fit; `false` when it stopped early for lack of room. */
  private sendItems(items: FeedItem[]): boolean {
    for (const item of items) {
      if (item.id <= this.lastId) continue;
      const id = this.epoch === "" ? item.id : `${this.epoch}:${item.id}`;
      const text = formatSseEvent({ event: "notification", id, data: JSON.stringify(item) });
      const size = utf8Length(text);
      if (size > this.room() && (this.outBytes > 0 || this.sink.waiting() > 0)) {
        this.needed = size;
        return false;
      }
      this.out += text;
      this.outBytes += size;
      this.lastId = item.id;
    }
    return true;
  }

  private sendUnread(unread: number): void {
    if (unread === this.lastUnread) return;
    this.lastUnread = unread;
    this.emit(formatSseEvent({ event: "unread", id: this.eventId(), data: JSON.stringify({ unread }) }));
  }

  private sendCounts(counts: FeedCounts): void {
    const data = JSON.stringify(counts);
    if (data === this.lastCounts) return;
    this.lastCounts = data;
    this.emit(formatSseEvent({ event: "counts", id: this.eventId(), data }));
  }

  private sendState(state: FeedStateChange): void {
    this.emit(formatSseEvent({ event: "state", id: this.eventId(), data: JSON.stringify(state) }));
  }

  /** Something changed that this stream cannot describe: the client refetches what it shows. */
  private sendRefresh(): void {
    this.emit(formatSseEvent({ event: "refresh", id: this.eventId(), data: "{}" }));
  }

  private sendReset(now: SinceResult, reason: "gap" | "unknown-id", lastEventId: number | null): void {
    this.lastId = now.latestId;
    this.epoch = now.epoch;
    this.emit(
      formatSseEvent({ event: "reset", id: this.eventId(), data: JSON.stringify({ reason, lastEventId }) }),
    );
  }
}

/** UTF-8 length of `text`, as `TextEncoder` would encode it (a lone surrogate as U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else {
      // 3 bytes (a lone surrogate too: U+FFFD), or a surrogate pair: 4 bytes for its 2 units.
      bytes += 2;
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return bytes;
}

/** Where a reconnecting client says it is. Internal. */
export type Resume =
  | { kind: "none" }
  /** An id we cannot read, or several different ones: the client must refetch. */
  | { kind: "unreadable" }
  /** `epoch` is absent for a bare number (the `lastEventId` option, or an id from before epochs). */
  | { kind: "id"; id: number; epoch: string | undefined };

const EVENT_ID = /^(?:([^:]*):)?(\d{1,16})$/;

/**
 * Reads `Last-Event-ID` (`header`: the header's value, joined with ", " when sent several times)
 * or, without that header, the `lastEventId` query parameters (`query`): `<epoch>:<id>` as a
 * stream sends, or a bare id. Duplicates count as one id only when they are all the same;
 * different ones are ambiguous, so the client gets a reset and refetches rather than a guess that
 * could skip or repeat items. Anything else that is not empty (not a number, negative, too large,
 * a foreign epoch format) is unreadable too.
 */
function readResume(header: string | null, query: () => string[]): Resume {
  const values = header !== null ? header.split(",") : query();
  const distinct = [...new Set(values.map((v) => v.trim()))].filter((v) => v !== "");
  if (distinct.length === 0) return { kind: "none" };
  const match = distinct.length === 1 ? EVENT_ID.exec(distinct[0]!) : null;
  if (!match) return { kind: "unreadable" };
  const [, epoch, digits] = match;
  const id = Number(digits);
  if (!Number.isSafeInteger(id) || (epoch !== undefined && !EPOCH_PATTERN.test(epoch)))
    return { kind: "unreadable" };
  return { kind: "id", id, epoch };
}
