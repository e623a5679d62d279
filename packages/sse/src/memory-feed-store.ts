import { type Clock, systemClock } from "./clock";
import { newEpoch } from "./feed-epoch";
import type { FeedActor, FeedCounts, StoredFeedItem } from "./feed-item";
import {
  type AppendOptions,
  type AppendResult,
  type FeedStore,
  FRESH,
  gone,
  groupField,
  type ItemFlags,
  matchesStatus,
  OVERFLOW_GROUP,
  stateChange,
  toFeedItem,
} from "./feed-store";
import { MAX_TRACKED_ACTORS } from "./group-state";

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

/** A live group: what the next push into it builds on (as the Redis store's groups hash). */
interface GroupState {
  id: number;
  startedAt: number;
  count: number;
  actors: FeedActor[];
  /** Distinct actor ids seen, up to {@link MAX_TRACKED_ACTORS}. */
  actorIds: string[];
  actorCount: number;
  payloads: unknown[];
}

interface RecipientState {
  epoch: string;
  seq: number;
  version: number;
  items: Map<number, StoredFeedItem>;
  unread: Set<number>;
  unseen: Set<number>;
  archived: Set<number>;
  /** By {@link groupField}: users' keys never meet the summary's. */
  groups: Map<string, GroupState>;
  rate: { count: number; resetAt: number };
  /** Dedupe keys seen, in push order: when, the item made, and its group field ("" for none). */
  dedupe: Map<string, { at: number; id: number; field: string }>;
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
        unseen: new Set(),
        archived: new Set(),
        groups: new Map(),
        rate: { count: 0, resetAt: 0 },
        dedupe: new Map(),
        expiresAt: 0,
      };
      recipients.set(recipient, s);
    }
    return s;
  };
  const sorted = (s: RecipientState) => [...s.items.keys()].sort((a, b) => a - b);
  const flags = (s: RecipientState, id: number): ItemFlags => ({
    read: !s.unread.has(id),
    seen: !s.unseen.has(id),
    archived: s.archived.has(id),
  });
  const view = (s: RecipientState, id: number) => {
    const stored = s.items.get(id);
    return stored ? [toFeedItem(stored, flags(s, id))] : [];
  };
  const counts = (s: RecipientState): FeedCounts => {
    let unread = 0;
    let unseen = 0;
    for (const id of s.unread) if (!s.archived.has(id)) unread++;
    for (const id of s.unseen) if (!s.archived.has(id)) unseen++;
    return { total: s.items.size - s.archived.size, unseen, unread, archived: s.archived.size };
  };
  const forget = (s: RecipientState, id: number) => {
    s.items.delete(id);
    s.unread.delete(id);
    s.unseen.delete(id);
    s.archived.delete(id);
  };

  const since = (recipient: string, after: number, limit: number) => {
    const s = state(recipient);
    const ids = sorted(s).filter((id) => id > after);
    const c = counts(s);
    return {
      items: ids.slice(0, limit).flatMap((id) => view(s, id)),
      more: ids.length > limit,
      unread: c.unread,
      counts: c,
      latestId: s.seq,
      version: s.version,
      epoch: s.epoch,
    };
  };

  return {
    async append(recipient, data, createdAt, options: AppendOptions): Promise<AppendResult> {
      const s = state(recipient);
      if (s.epoch === "") s.epoch = newEpoch();
      const { dedupeKey } = options;
      if (dedupeKey) {
        const cutoff = createdAt - (options.dedupeWindowMs ?? 0);
        for (const [key, seen] of s.dedupe) if (seen.at < cutoff) s.dedupe.delete(key);
        const seen = s.dedupe.get(dedupeKey);
        if (seen) {
          const groupId = seen.field ? s.groups.get(seen.field)?.id : undefined;
          const currentId = groupId !== undefined && s.items.has(groupId) ? groupId : seen.id;
          const current = s.items.get(currentId);
          const c = counts(s);
          return {
            item: toFeedItem(current ?? gone(seen.id, data, createdAt, options), flags(s, currentId)),
            unread: c.unread,
            counts: c,
            replaced: undefined,
            duplicate: true,
            version: s.version,
            epoch: s.epoch,
          };
        }
      }
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
      const { actor } = options;
      let group: GroupState = {
        id: 0,
        startedAt: createdAt,
        count: 0,
        actors: [],
        actorIds: [],
        actorCount: 0,
        payloads: [],
      };
      let replaced: number | undefined;
      const field = groupKey ? groupField(groupKey, summary) : undefined;
      const previous = field ? s.groups.get(field) : undefined;
      if (previous && s.items.has(previous.id) && createdAt - previous.startedAt < groupWindowMs) {
        group = previous;
        replaced = previous.id;
        forget(s, previous.id);
      }
      const id = ++s.seq;
      const actorIds = [...group.actorIds];
      let actorCount = group.actorCount;
      let actors = group.actors;
      if (actor) {
        if (!actorIds.includes(actor.id)) {
          actorCount++;
          if (actorIds.length < MAX_TRACKED_ACTORS) actorIds.push(actor.id);
        }
        actors = [actor, ...actors.filter((a) => a.id !== actor.id)].slice(0, options.maxActors);
      }
      const payloads = [data, ...group.payloads].slice(0, options.maxGrouped);
      const next: GroupState = {
        id,
        startedAt: group.startedAt,
        count: group.count + 1,
        actors,
        actorIds,
        actorCount,
        payloads,
      };
      const stored: StoredFeedItem = {
        id,
        createdAt,
        data,
        groupKey,
        groupStartedAt: next.startedAt,
        count: next.count,
        summary,
        category: options.category,
        actors,
        actorCount,
        grouped: payloads,
      };
      s.items.set(id, stored);
      s.unread.add(id);
      s.unseen.add(id);
      if (field) s.groups.set(field, next);
      if (dedupeKey) s.dedupe.set(dedupeKey, { at: createdAt, id, field: field ?? "" });
      const ids = sorted(s);
      for (const old of ids.slice(0, Math.max(0, ids.length - options.maxItems))) {
        const trimmed = s.items.get(old);
        const trimmedField = trimmed?.groupKey ? groupField(trimmed.groupKey, trimmed.summary) : undefined;
        if (trimmedField && s.groups.get(trimmedField)?.id === old) s.groups.delete(trimmedField);
        forget(s, old);
      }
      s.version++;
      s.expiresAt = options.ttlSeconds > 0 ? now() + options.ttlSeconds * 1000 : 0;
      const c = counts(s);
      return {
        item: toFeedItem(stored, FRESH),
        unread: c.unread,
        counts: c,
        replaced,
        version: s.version,
        epoch: s.epoch,
      };
    },
    async list(recipient, before, limit, filter = {}) {
      const s = state(recipient);
      const status = filter.status ?? "inbox";
      const ids = sorted(s)
        .reverse()
        .filter(
          (id) =>
            (before === undefined || id < before) &&
            matchesStatus(flags(s, id), status) &&
            (filter.category === undefined || s.items.get(id)?.category === filter.category),
        );
      const c = counts(s);
      return {
        items: ids.slice(0, limit).flatMap((id) => view(s, id)),
        unread: c.unread,
        counts: c,
        more: ids.length > limit,
      };
    },
    async since(recipient, after, limit) {
      return since(recipient, after, limit);
    },
    async sinceMany(requests) {
      return requests.map(({ recipient, after, limit }) => since(recipient, after, limit));
    },
    async mark(recipient, ids, set) {
      const s = state(recipient);
      const targets = ids === "all" ? sorted(s) : [...new Set(ids)].filter((id) => s.items.has(id));
      for (const id of targets) {
        if (set.read === true) {
          s.unread.delete(id);
          s.unseen.delete(id);
        } else if (set.read === false) s.unread.add(id);
        if (set.seen === true) s.unseen.delete(id);
        else if (set.seen === false) s.unseen.add(id);
        if (set.archived === true) s.archived.add(id);
        else if (set.archived === false) s.archived.delete(id);
      }
      s.version++;
      const c = counts(s);
      return {
        unread: c.unread,
        counts: c,
        version: s.version,
        epoch: s.epoch,
        state: stateChange(ids === "all" ? "all" : targets, set),
      };
    },
    async remove(recipient, ids) {
      const s = state(recipient);
      let removed = 0;
      for (const id of ids) {
        if (s.items.has(id)) removed++;
        forget(s, id);
      }
      s.version++;
      const c = counts(s);
      return { removed, unread: c.unread, counts: c, version: s.version, epoch: s.epoch };
    },
    async unreadCount(recipient) {
      return counts(state(recipient)).unread;
    },
    async counts(recipient) {
      return counts(state(recipient));
    },
    async versions(list) {
      return list.map((recipient) => existing(recipient)?.version ?? 0);
    },
  };
}
