import { type Clock, systemClock } from "./clock";
import { newEpoch } from "./feed-epoch";
import type { StoredFeedItem } from "./feed-item";
import {
  type AppendOptions,
  type AppendResult,
  type FeedStore,
  groupField,
  OVERFLOW_GROUP,
  toFeedItem,
} from "./feed-store";

/** Options for {@link memoryFeedStore}. */
export interface MemoryFeedStoreOptions {
  /**
   * The clock that decides when a feed with `ttlSeconds` has expired (only its `now` is read).
   * @default systemClock
   */
  clock?: Clock;
  /** Shorthand for `clock: { ...clock, now }`; wins over `clock.now`. @default clock.now */
  now?: () => number;
}

interface RecipientState {
  epoch: string;
  seq: number;
  version: number;
  items: Map<number, StoredFeedItem>;
  unread: Set<number>;
  /** By {@link groupField}: users' keys never meet the summary's. */
  groups: Map<string, number>;
  rate: { count: number; resetAt: number };
  expiresAt: number;
}

/**
 * An in-process feed store: the default when no Redis is given, for demos and tests. One
 * process only; state is lost on restart. Same semantics as the Redis store.
 *
 * @example
 * ```ts
 * import { createFeed, memoryFeedStore } from "@switchboard/sse";
 * import { z } from "zod";
 *
 * const feed = createFeed({ store: memoryFeedStore(), schema: z.object({ title: z.string() }) });
 * ```
 */
export function memoryFeedStore(options: MemoryFeedStoreOptions = {}): FeedStore {
  const clock = options.clock ?? systemClock;
  const now = options.now ?? (() => clock.now());
  const recipients = new Map<string, RecipientState>();
  /** The recipient's live state, or undefined when it has none (never written, or expired). */
  const existing = (recipient: string): RecipientState | undefined => {
    const s = recipients.get(recipient);
    if (s && s.expiresAt > 0 && s.expiresAt <= now()) {
      recipients.delete(recipient);
      return undefined;
    }
    return s;
  };
  const state = (recipient: string): RecipientState => {
    let s = existing(recipient);
    if (!s) {
      s = {
        epoch: "",
        seq: 0,
        version: 0,
        items: new Map(),
        unread: new Set(),
        groups: new Map(),
        rate: { count: 0, resetAt: 0 },
        expiresAt: 0,
      };
      recipients.set(recipient, s);
    }
    return s;
  };
  const sorted = (s: RecipientState) => [...s.items.keys()].sort((a, b) => a - b);
  const view = (s: RecipientState, id: number) => {
    const stored = s.items.get(id);
    return stored ? [toFeedItem(stored, !s.unread.has(id))] : [];
  };

  const since = (recipient: string, after: number, limit: number) => {
    const s = state(recipient);
    const ids = sorted(s).filter((id) => id > after);
    return {
      items: ids.slice(0, limit).flatMap((id) => view(s, id)),
      more: ids.length > limit,
      unread: s.unread.size,
      latestId: s.seq,
      version: s.version,
      epoch: s.epoch,
    };
  };

  return {
    async append(recipient, data, createdAt, options: AppendOptions): Promise<AppendResult> {
      const s = state(recipient);
      if (s.epoch === "") s.epoch = newEpoch();
      let groupKey = options.groupKey;
      let groupWindowMs = options.groupWindowMs;
      let summary = false;
      if (options.rateLimit > 0) {
        if (s.rate.resetAt <= createdAt) s.rate = { count: 0, resetAt: createdAt + options.rateWindowMs };
        s.rate.count++;
        if (s.rate.count > options.rateLimit) {
          groupKey = OVERFLOW_GROUP;
          groupWindowMs = options.rateWindowMs;
          summary = true;
        }
      }
      let count = 1;
      let groupStartedAt = createdAt;
      let replaced: number | undefined;
      const field = groupKey ? groupField(groupKey, summary) : undefined;
      const previousId = field ? s.groups.get(field) : undefined;
      const previous = previousId === undefined ? undefined : s.items.get(previousId);
      if (previous && createdAt - previous.groupStartedAt < groupWindowMs) {
        count = previous.count + 1;
        groupStartedAt = previous.groupStartedAt;
        replaced = previous.id;
        s.items.delete(previous.id);
        s.unread.delete(previous.id);
      }
      const id = ++s.seq;
      const stored: StoredFeedItem = { id, createdAt, data, groupKey, groupStartedAt, count, summary };
      s.items.set(id, stored);
      s.unread.add(id);
      if (field) s.groups.set(field, id);
      const ids = sorted(s);
      for (const old of ids.slice(0, Math.max(0, ids.length - options.maxItems))) {
        const trimmed = s.items.get(old);
        const trimmedField = trimmed?.groupKey ? groupField(trimmed.groupKey, trimmed.summary) : undefined;
        if (trimmedField && s.groups.get(trimmedField) === old) s.groups.delete(trimmedField);
        s.items.delete(old);
        s.unread.delete(old);
      }
      s.version++;
      s.expiresAt = options.ttlSeconds > 0 ? now() + options.ttlSeconds * 1000 : 0;
      return {
        item: toFeedItem(stored, false),
        unread: s.unread.size,
        replaced,
        version: s.version,
        epoch: s.epoch,
      };
    },
    async list(recipient, before, limit) {
      const s = state(recipient);
      const ids = sorted(s)
        .reverse()
        .filter((id) => before === undefined || id < before);
      return {
        items: ids.slice(0, limit).flatMap((id) => view(s, id)),
        unread: s.unread.size,
        more: ids.length > limit,
      };
    },
    async since(recipient, after, limit) {
      return since(recipient, after, limit);
    },
    async sinceMany(requests) {
      return requests.map(({ recipient, after, limit }) => since(recipient, after, limit));
    },
    async markRead(recipient, ids) {
      const s = state(recipient);
      if (ids === "all") s.unread.clear();
      else for (const id of ids) s.unread.delete(id);
      s.version++;
      return { unread: s.unread.size, version: s.version, epoch: s.epoch };
    },
    async remove(recipient, ids) {
      const s = state(recipient);
      let removed = 0;
      for (const id of ids) {
        if (s.items.delete(id)) removed++;
        s.unread.delete(id);
      }
      s.version++;
      return { removed, unread: s.unread.size, version: s.version, epoch: s.epoch };
    },
    async unreadCount(recipient) {
      return state(recipient).unread.size;
    },
    async versions(list) {
      return list.map((recipient) => existing(recipient)?.version ?? 0);
    },
  };
}
