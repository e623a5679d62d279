import type { EventSourceConstructor } from "../client";
import { FeedError } from "../feed-error";
import { connectFeedStream } from "./connect-feed-stream";
import { type FeedHttp, fetchFeedPage, postFeedAction } from "./feed-http";
import {
  changeOf,
  type FeedAction,
  type FeedCounts,
  type FeedStatus,
  type LiveFeedItem,
} from "./feed-protocol";
import {
  EMPTY_FEED,
  type FeedState,
  type PendingMark,
  viewFeed,
  withChange,
  withCounts,
  withItem,
  withPage,
  withUnread,
} from "./feed-state";
import { type ChannelConstructor, type ConnectStream, shareStream } from "./shared-stream";
import type { StreamEvent } from "./stream-event";
import type { LockManagerLike } from "./tab-leader";

/** The state of the live connection, as `useFeed` reports it. */
export type FeedConnectionStatus = "connecting" | "open" | "reconnecting" | "closed";

/**
 * Options for `useFeed` (and {@link createLiveFeed}).
 *
 * @example
 * ```ts
 * import { useFeed, type UseFeedOptions } from "@switchboard/sse/react";
 *
 * const archived: UseFeedOptions = { status: "archived", category: "comments", limit: 50 };
 * // in a component: useFeed<typeof feed>("/api/feed", archived)
 * ```
 */
export interface UseFeedOptions {
  /** Which items to show: `inbox` (not archived), `unread`, `unseen`, `archived` or `all`. @default "inbox" */
  status?: FeedStatus;
  /** Only items of this category. @default every category */
  category?: string;
  /** Items per page (first page and each `loadMore`), 1 to 100. @default 20 */
  limit?: number;
  /**
   * `true`: one stream per browser, shared by every tab (and every `useFeed` with this URL).
   * `false`: this hook opens its own stream.
   * @default true
   */
  share?: boolean;
  /** Send cookies to a cross-origin feed URL (the stream's `withCredentials`, fetch's `credentials: "include"`). @default false */
  withCredentials?: boolean;
}

/** What {@link createLiveFeed} can be given instead of the browser's own (for tests). */
export interface LiveFeedEnvironment {
  fetch?: typeof globalThis.fetch;
  EventSource?: EventSourceConstructor;
  BroadcastChannel?: ChannelConstructor | undefined;
  locks?: LockManagerLike | undefined;
  /** Opens the real stream; by default `subscribeToFeed` on `url`. */
  connect?: ConnectStream<unknown>;
}

/** What a live feed shows at one moment. */
export interface LiveFeedSnapshot<TItem> {
  /** Newest first, filtered to the view, with marks not yet answered already applied. */
  items: TItem[];
  counts: FeedCounts;
  status: FeedConnectionStatus;
  /** More (older) items to `loadMore`. */
  hasMore: boolean;
  /** The last failure (a page that did not load, a mark the server refused and that was rolled back). */
  error: FeedError | undefined;
}

/** The actions of a live feed (and of `useFeed`). */
export interface FeedActions {
  /** Loads the next (older) page. */
  loadMore(): Promise<void>;
  /** Refetches the pages shown. */
  refresh(): Promise<void>;
  /** Marks items (or all) seen, e.g. when the bell opens. */
  markSeen(ids: readonly number[] | "all"): Promise<void>;
  /** Marks items (or all) read, which implies seen. */
  markRead(ids: readonly number[] | "all"): Promise<void>;
  markUnread(ids: readonly number[]): Promise<void>;
  archive(ids: readonly number[] | "all"): Promise<void>;
  unarchive(ids: readonly number[]): Promise<void>;
}

/** A feed kept live in the browser: what `useFeed` renders. Framework-free. */
export interface LiveFeed<TItem> extends FeedActions {
  subscribe(listener: () => void): () => void;
  getSnapshot(): LiveFeedSnapshot<TItem>;
  /** Loads the first page and joins the stream. Again after `stop`, starts over. */
  start(): void;
  /** Leaves the stream (another tab takes it over) and ignores answers still on the way. */
  stop(): void;
}

/**
 * A live feed for `url` (a `feed.handler` route): the first page, the stream shared by the
 * browser's tabs, pages on demand, and marks applied at once and rolled back when the server
 * refuses them. `useFeed` is this feed in a React hook.
 */
export function createLiveFeed<TData>(
  url: string,
  options: UseFeedOptions = {},
  environment: LiveFeedEnvironment = {},
): LiveFeed<LiveFeedItem<TData>> {
  if (typeof url !== "string" || url.trim() === "")
    throw new FeedError('useFeed: pass the URL of your feed route, e.g. useFeed<typeof feed>("/api/feed").');
  const view = options.status ?? "inbox";
  if (!["inbox", "unread", "unseen", "archived", "all"].includes(view))
    throw new FeedError(
      `useFeed: status must be "inbox", "unread", "unseen", "archived" or "all", got ${String(view)}.`,
    );
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new FeedError(`useFeed: limit must be a whole number from 1 to 100, got ${String(limit)}.`);
  const { category } = options;
  if (category !== undefined && (typeof category !== "string" || category === ""))
    throw new FeedError("useFeed: category must be a non-empty string.");

  const http: FeedHttp = {
    fetch: environment.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    credentials: options.withCredentials ? "include" : "same-origin",
  };
  const page = (before?: number) =>
    fetchFeedPage<TData>(http, url, { before, limit, status: view, category });

  let state: FeedState<TData> = EMPTY_FEED;
  let pending: PendingMark[] = [];
  // "connecting" before the first start too: a server render, or the first client render before
  // effects run, shows the feed on its way rather than closed.
  let status: FeedConnectionStatus = "connecting";
  let running = false;
  let error: FeedError | undefined;
  /** Bumped by start and stop: answers for an older run are dropped. */
  let run = 0;
  let leave = () => {};
  /** Events that came before the first page: applied on top of it. */
  let early: StreamEvent<TData>[] | undefined;
  let loadingMore: Promise<void> | undefined;
  let refreshing: Promise<void> | undefined;
  let refreshAgain = false;

  const listeners = new Set<() => void>();
  let snapshot: LiveFeedSnapshot<LiveFeedItem<TData>> = {
    items: [],
    counts: EMPTY_FEED.counts,
    status,
    hasMore: false,
    error,
  };
  const changed = () => {
    const shown = viewFeed(state, pending, view, category);
    snapshot = { ...shown, status, hasMore: state.cursor !== undefined, error };
    for (const listener of [...listeners]) listener();
  };
  const fail = (cause: unknown) => {
    error =
      cause instanceof FeedError
        ? cause
        : new FeedError(`useFeed: ${String((cause as Error)?.message ?? cause)}`);
  };

  const apply = (event: StreamEvent<TData>) => {
    if (early && event.type !== "status") {
      early.push(event);
      return;
    }
    switch (event.type) {
      case "notification":
        state = withItem(state, event.item);
        break;
      case "unread":
        state = withUnread(state, event.unread);
        break;
      case "counts":
        state = withCounts(state, event.counts);
        break;
      case "state":
        state = withChange(state, event.change);
        break;
      case "refresh":
      case "reset":
        void live.refresh();
        return;
      case "status":
        status = event.status;
        break;
    }
    changed();
  };

  const connect =
    (environment.connect as ConnectStream<TData> | undefined) ??
    connectFeedStream<TData>(url, {
      withCredentials: options.withCredentials ?? false,
      EventSource: environment.EventSource,
    });

  // Checks its arguments at once (a mistake throws where it was made), then sends.
  const mark = (action: FeedAction, ids: readonly number[] | "all", allowAll: boolean): Promise<void> => {
    if (
      ids === "all"
        ? !allowAll
        : !Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id > 0)
    )
      throw new FeedError(
        `useFeed: ${verb[action]}(ids) takes an array of item ids (item.id)${allowAll ? ' or "all"' : ""}.`,
      );
    if (ids !== "all" && ids.length > 1000)
      throw new FeedError(`useFeed: ${verb[action]}: at most 1000 ids per call.`);
    if (ids !== "all" && ids.length === 0) return Promise.resolve();
    return send({ action, ids: ids === "all" ? "all" : [...ids], upTo: state.items[0]?.id ?? 0 });
  };
  const send = async (entry: PendingMark) => {
    const { action } = entry;
    const started = run;
    pending = [...pending, entry];
    changed();
    try {
      const counts = await postFeedAction(http, url, action, entry.ids);
      if (started !== run) return;
      state = withChange(state, changeOf(action, entry.ids), entry.upTo);
      if (counts) state = withCounts(state, counts);
      error = undefined;
    } catch (cause) {
      if (started !== run) return;
      fail(cause); // dropping the mark below rolls it back
    } finally {
      pending = pending.filter((other) => other !== entry);
      if (started === run) changed();
    }
  };

  const live: LiveFeed<LiveFeedItem<TData>> = {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    start() {
      if (running) return;
      running = true;
      const started = ++run;
      status = "connecting";
      early = [];
      changed();
      const first = page().then(
        (body) => {
          if (started !== run) return undefined;
          state = withPage(state, body, true);
          error = undefined;
          return String(body.items[0]?.id ?? 0);
        },
        (cause) => {
          if (started === run) fail(cause);
          return undefined;
        },
      );
      void first.then(() => {
        if (started !== run) return;
        const queued = early ?? [];
        early = undefined;
        changed();
        for (const event of queued) apply(event);
      });
      leave = shareStream<TData>({
        name: new URL(url, globalThis.location?.href ?? "http://localhost/").href,
        connect,
        onEvent: (event) => {
          if (started === run) apply(event);
        },
        resumeAfter: () => first,
        ...(options.share === false ? { share: false } : {}),
        ...("BroadcastChannel" in environment ? { BroadcastChannel: environment.BroadcastChannel } : {}),
        ...("locks" in environment ? { locks: environment.locks } : {}),
      });
    },
    stop() {
      if (!running) return;
      running = false;
      run++;
      leave();
      leave = () => {};
      early = undefined;
      status = "closed";
      changed();
    },
    loadMore() {
      if (loadingMore) return loadingMore;
      const before = state.cursor;
      if (before === undefined || early) return Promise.resolve();
      const started = run;
      loadingMore = page(before)
        .then(
          (body) => {
            if (started !== run || state.cursor !== before) return;
            state = withPage(state, body, false);
            error = undefined;
          },
          (cause) => {
            if (started === run) fail(cause);
          },
        )
        .finally(() => {
          loadingMore = undefined;
          if (started === run) changed();
        });
      return loadingMore;
    },
    refresh() {
      if (refreshing) {
        refreshAgain = true;
        return refreshing;
      }
      const started = run;
      const once = async () => {
        const bodies = [];
        let before: number | undefined;
        for (let i = 0; i < Math.max(1, state.pages); i++) {
          const body = await page(before);
          bodies.push(body);
          before = body.nextCursor;
          if (before === undefined) break;
        }
        if (started !== run) return;
        bodies.forEach((body, i) => {
          state = withPage(state, body, i === 0);
        });
        error = undefined;
      };
      refreshing = (async () => {
        do {
          refreshAgain = false;
          try {
            await once();
          } catch (cause) {
            if (started === run) fail(cause);
          }
        } while (refreshAgain && started === run);
      })().finally(() => {
        refreshing = undefined;
        if (started === run) changed();
      });
      return refreshing;
    },
    markSeen: (ids) => mark("seen", ids, true),
    markRead: (ids) => mark("read", ids, true),
    markUnread: (ids) => mark("unread", ids, false),
    archive: (ids) => mark("archive", ids, true),
    unarchive: (ids) => mark("unarchive", ids, false),
  };
  return live;
}

const verb: Record<FeedAction, string> = {
  seen: "markSeen",
  read: "markRead",
  unread: "markUnread",
  archive: "archive",
  unarchive: "unarchive",
};
