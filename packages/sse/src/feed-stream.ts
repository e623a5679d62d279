import type { Clock } from "./clock";
import { EPOCH_PATTERN } from "./feed-epoch";
import { FeedError } from "./feed-error";
import { feedErrorResponse } from "./feed-error-response";
import type { FeedCounts, FeedItem, FeedStateChange } from "./feed-item";
import type { FeedChange, FeedStore, SinceResult } from "./feed-store";
import type { FeedWatcher, SharedPoller } from "./shared-poller";
import { formatSseComment, formatSseEvent } from "./sse-event";

/** Options for `feed.stream`. */
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

const encoder = new TextEncoder();
/** Items read per round trip while catching up. */
const CATCH_UP_BATCH = 500;
/** `since(NOTHING_AFTER)` reads only the counters. */
const NOTHING_AFTER = Number.MAX_SAFE_INTEGER;

/**
 * The SSE `Response` for one recipient. Sends `event: notification` (with `id:`) for each new
 * item, `event: unread` and `event: counts` when they change, `event: state` for flags changed on
 * existing items, `event: refresh` when something changed that it cannot describe (a removal, a
 * change learned by polling, a resume), `event: reset` when a reconnect missed more than
 * `maxReplay` items (or the feed no longer has the id), and a comment heartbeat. Resumes after
 * `Last-Event-ID` (header, or the `lastEventId` query parameter for the first connect) exactly;
 * ends on abort or `maxDurationMs`, and errors (the connection drops) when a client that stopped
 * reading would make it hold more than `maxBufferedBytes`.
 */
export function streamFeed(source: StreamSource, request: Request, options: StreamOptions): Response {
  const { recipient } = options;
  if (typeof recipient !== "string" || recipient === "") {
    return feedErrorResponse(
      "UNAUTHORIZED",
      "No recipient: pass the signed-in user's id from your own auth to feed.stream.",
    );
  }
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxDurationMs = (options.maxDurationMs ?? 280_000) * (0.9 + Math.random() * 0.1);
  const retryMs = options.retryMs ?? 2_000;
  const maxReplay = Math.min(options.maxReplay ?? 100, source.maxItems - 1);
  const maxBufferedBytes = options.maxBufferedBytes ?? 262_144;
  if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < 1)
    throw new FeedError(
      `feed.stream: maxBufferedBytes must be a whole number >= 1, got ${maxBufferedBytes}.`,
    );
  const resume = readLastEventId(request);
  const { store, poller, clock } = source;

  let cleanup = () => {};
  let resumeReading = () => {};
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let closed = false;
        let lastId = 0;
        let epoch = "";
        let lastUnread = -1;
        let lastCounts = "";
        /** The newest id issued (the feed's sequence) at change counter `version`. */
        let knownSeq = 0;
        /**
         * `synced`: everything up to change counter `version` has been written (or was not this
         * stream's to write), so a change at `version + 1` can be written as it comes.
         */
        let version = 0;
        let synced = false;
        /** Bytes enqueued so far; minus what still waits, what the consumer has taken. */
        let enqueued = 0;
        /** Stopped reading the feed for lack of room: a read that makes `needed` bytes of room goes on. */
        let behind = false;
        let needed = 0;
        /** Bytes enqueued that the consumer has not read yet. */
        const waiting = () => maxBufferedBytes - (controller.desiredSize ?? 0);
        // Each step (the opening, one catch-up batch) goes out as ONE chunk: a reader that keeps
        // up takes it at once, so only a reader that stopped lets bytes wait.
        let out: Uint8Array[] = [];
        let outBytes = 0;
        const emit = (text: string) => {
          const bytes = encoder.encode(text);
          out.push(bytes);
          outBytes += bytes.byteLength;
          return bytes.byteLength;
        };
        const flush = () => {
          if (closed || outBytes === 0) return;
          const chunk = new Uint8Array(outBytes);
          let offset = 0;
          for (const part of out) {
            chunk.set(part, offset);
            offset += part.byteLength;
          }
          out = [];
          outBytes = 0;
          enqueued += chunk.byteLength;
          controller.enqueue(chunk);
        };
        /** Room left under `maxBufferedBytes` for this step. */
        const room = () => maxBufferedBytes - waiting() - outBytes;
        const eventId = () => (epoch === "" ? lastId : `${epoch}:${lastId}`);
        /** Queues the items that fit; `false` when it stopped early for lack of room. */
        const sendItems = (items: FeedItem[]) => {
          for (const item of items) {
            if (item.id <= lastId) continue;
            const id = epoch === "" ? item.id : `${epoch}:${item.id}`;
            const text = formatSseEvent({ event: "notification", id, data: JSON.stringify(item) });
            const size = encoder.encode(text).byteLength;
            if (size > room() && (outBytes > 0 || waiting() > 0)) {
              needed = size;
              return false;
            }
            emit(text);
            lastId = item.id;
          }
          return true;
        };
        // `id:` on every event keeps the browser's Last-Event-ID at the newest item this stream sent.
        const sendUnread = (unread: number) => {
          if (unread === lastUnread) return;
          lastUnread = unread;
          emit(formatSseEvent({ event: "unread", id: eventId(), data: JSON.stringify({ unread }) }));
        };
        const sendCounts = (counts: FeedCounts) => {
          const data = JSON.stringify(counts);
          if (data === lastCounts) return;
          lastCounts = data;
          emit(formatSseEvent({ event: "counts", id: eventId(), data }));
        };
        const sendState = (state: FeedStateChange) =>
          emit(formatSseEvent({ event: "state", id: eventId(), data: JSON.stringify(state) }));
        /** Something changed that this stream cannot describe: the client refetches what it shows. */
        const sendRefresh = () => emit(formatSseEvent({ event: "refresh", id: eventId(), data: "{}" }));
        const sendReset = (now: SinceResult, reason: "gap" | "unknown-id", lastEventId: number | null) => {
          lastId = now.latestId;
          epoch = now.epoch;
          emit(
            formatSseEvent({ event: "reset", id: eventId(), data: JSON.stringify({ reason, lastEventId }) }),
          );
        };

        /**
         * Writes one read's result; `true` when this stream is done reading for now (caught up,
         * or out of room).
         */
        const apply = (now: SinceResult) => {
          let complete = true;
          let reset = false;
          // The feed went backwards or was created again (its keys expired or were
          // deleted): its ids are not the ones this stream sent, so start over.
          if (now.latestId < lastId || (epoch !== "" && now.epoch !== epoch)) {
            sendReset(now, "unknown-id", lastId);
            reset = true;
          } else {
            epoch = now.epoch;
            complete = sendItems(now.items);
          }
          const caughtUp = complete && !now.more;
          if (caughtUp) {
            // Every push adds one id and one change; more changes than new ids means flags
            // changed or items went (another process, unannounced): say so, the client refetches.
            const unannounced = !reset && now.version - version > now.latestId - knownSeq;
            sendUnread(now.unread);
            sendCounts(now.counts);
            if (unannounced) sendRefresh();
            version = now.version;
            knownSeq = now.latestId;
          }
          synced = caughtUp;
          flush();
          if (!complete) behind = true;
          return !complete || !now.more;
        };

        // Everything this stream does with the feed runs serially, in order: each read catches up
        // from the last id sent, in batches, while there is room; without room it waits for the
        // consumer's next read (`pull`).
        let pending = Promise.resolve();
        let queued = 0;
        const enqueue = (step: () => Promise<void> | void) => {
          queued++;
          pending = pending
            .then(step)
            .catch(() => {}) // a failed read is retried on the next wake-up
            .finally(() => {
              queued--;
            });
        };
        const read = async () => {
          for (;;) {
            if (closed || behind) return;
            if (room() <= 0) {
              behind = true;
              synced = false;
              needed = 1;
              return;
            }
            const now = await store.since(recipient, lastId, CATCH_UP_BATCH);
            if (closed) return;
            if (apply(now)) return;
          }
        };
        const catchUp = () => enqueue(read);
        /**
         * A write's change, from this process or a pub/sub message. Written as it is only when it
         * is exactly the next change (counter, epoch, and the next id); anything else (a missed
         * message, an item too large to carry) reads the store, so the stream stays exact.
         */
        const applyChange = (change: FeedChange) => {
          if (closed || behind) return; // `pull` reads once there is room
          // A feed created again (new epoch) restarts its counter: read, which resets the client.
          if (epoch !== "" && change.epoch !== epoch) return read();
          if (synced && change.version <= version) return; // already written
          const { item } = change;
          if (
            !synced ||
            change.version !== version + 1 ||
            change.itemId !== undefined ||
            change.counts === undefined ||
            (item !== undefined && item.id !== lastId + 1)
          )
            return read();
          epoch = change.epoch;
          if (item && !sendItems([item])) {
            behind = true;
            synced = false;
            flush();
            return;
          }
          if (change.state) sendState(change.state);
          version = change.version;
          if (item) knownSeq = item.id;
          sendUnread(change.unread);
          sendCounts(change.counts);
          // Neither an item nor flags (a removal): the client refetches what it shows.
          if (!item && !change.state) sendRefresh();
          flush();
        };
        const watcher: FeedWatcher = {
          wake: (change) => enqueue(() => (change ? applyChange(change) : read())),
          position: () => (closed || behind || !synced || queued > 0 ? undefined : lastId),
          deliver: (result, after) =>
            enqueue(() => {
              if (closed || behind) return;
              if (synced && result.version <= version) return; // this stream is already past it
              // The batch started after an id this stream has not sent: read the rest itself.
              if (!synced || after > lastId || !apply(result)) return read();
            }),
        };
        resumeReading = () => {
          if (!behind || closed || (room() < needed && waiting() > 0)) return;
          behind = false;
          catchUp();
        };

        // A heartbeat keeps an idle connection open. With bytes waiting the connection is not
        // idle but stuck: if the consumer took nothing since the last beat, cut the client off.
        let consumedAtBeat = -1;
        const heartbeat = clock.setInterval(() => {
          const consumed = enqueued - waiting();
          if (waiting() > 0 && consumed === consumedAtBeat) return cutOff();
          consumedAtBeat = consumed;
          if (waiting() > 0) return;
          emit(formatSseComment("ping"));
          flush();
        }, heartbeatMs);
        const deadline = clock.setTimeout(() => close(), maxDurationMs);
        let unwatch = () => {};
        const stop = () => {
          if (closed) return false;
          closed = true;
          clock.clearInterval(heartbeat);
          clock.clearTimeout(deadline);
          unwatch();
          request.signal.removeEventListener("abort", close);
          return true;
        };
        const close = () => {
          if (!stop()) return;
          try {
            controller.close();
          } catch {
            // already closed by the reader
          }
        };
        // Erroring drops what waits (a clean close would keep it for a reader that may never come
        // back) and tells the server to drop the connection.
        const cutOff = () => {
          const queued = waiting();
          if (!stop()) return;
          controller.error(
            new FeedError(
              `feed.stream: the client stopped reading: it took nothing for ${heartbeatMs} ms while ${queued} bytes waited (maxBufferedBytes (${maxBufferedBytes})). The stream ended; the client resumes from Last-Event-ID when it reconnects.`,
            ),
          );
        };
        cleanup = close;
        if (request.signal.aborted) return close();
        request.signal.addEventListener("abort", close);

        emit(formatSseEvent({ event: "ready", data: "{}", retry: retryMs }));
        flush();
        // One read gives the replay, the unread count, the newest id, the epoch and the version
        // the poller starts from: a change after this read makes the first poll see a new version.
        pending = (async () => {
          const from = resume.kind === "id" ? resume.id : NOTHING_AFTER;
          const opened = await store.since(recipient, from, maxReplay);
          if (closed) return;
          let resumed = false;
          if (resume.kind === "none") {
            lastId = opened.latestId;
            epoch = opened.epoch;
          } else if (resume.kind === "unreadable") sendReset(opened, "unknown-id", null);
          else if (
            (resume.epoch !== undefined && resume.epoch !== opened.epoch) ||
            resume.id > opened.latestId
          )
            sendReset(opened, "unknown-id", resume.id);
          else if (opened.more) sendReset(opened, "gap", resume.id);
          else {
            lastId = resume.id;
            epoch = opened.epoch;
            resumed = true;
            if (!sendItems(opened.items)) behind = true;
          }
          if (!behind) {
            sendUnread(opened.unread);
            sendCounts(opened.counts);
            // Back after a drop: flags may have changed meanwhile, and no event says which.
            if (resumed) sendRefresh();
          }
          version = opened.version;
          knownSeq = opened.latestId;
          synced = !behind;
          flush();
          unwatch = poller.watch(recipient, watcher, opened.version, opened.epoch);
        })().catch(() => close()); // the browser reconnects after `retry`
      },
      pull() {
        resumeReading();
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: maxBufferedBytes, size: (chunk) => chunk.byteLength },
  );

  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
  });
}

/** Where a reconnecting client says it is. */
type Resume =
  | { kind: "none" }
  /** An id we cannot read, or several different ones: the client must refetch. */
  | { kind: "unreadable" }
  /** `epoch` is absent for a bare number (the `lastEventId` option, or an id from before epochs). */
  | { kind: "id"; id: number; epoch: string | undefined };

const EVENT_ID = /^(?:([^:]*):)?(\d{1,16})$/;

/**
 * Reads `Last-Event-ID` (or, without that header, the `lastEventId` query parameter): `<epoch>:<id>`
 * as this stream sends, or a bare id. Duplicates (`Headers.get` joins several headers with ", ")
 * count as one id only when they are all the same; different ones are ambiguous, so the client
 * gets a reset and refetches rather than a guess that could skip or repeat items. Anything else
 * that is not empty (not a number, negative, too large, a foreign epoch format) is unreadable too.
 */
function readLastEventId(request: Request): Resume {
  const header = request.headers.get("last-event-id");
  const values =
    header !== null ? header.split(",") : new URL(request.url).searchParams.getAll("lastEventId");
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
