import {
  type FeedCounts,
  type FeedStateChange,
  type LiveFeedItem,
  readCounts,
  readItem,
  readStateChange,
} from "./feed-protocol";

/** The stream's connection as a tab sees it (the leader's, for the tabs that share it). */
export type StreamStatus = "connecting" | "open" | "reconnecting";

/**
 * One event of the feed stream, decoded: what the tab holding the stream passes to the others,
 * plus `status` for the state of its connection.
 */
export type StreamEvent<TData = unknown> =
  | { type: "notification"; item: LiveFeedItem<TData> }
  | { type: "unread"; unread: number }
  | { type: "counts"; counts: FeedCounts }
  | { type: "state"; change: FeedStateChange }
  | { type: "refresh" }
  | { type: "reset" }
  | { type: "status"; status: StreamStatus };

/** A stream event from another tab (any script of the origin may post one), or `undefined`. */
export function readStreamEvent<TData>(value: unknown): StreamEvent<TData> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const event = value as Record<string, unknown>;
  switch (event.type) {
    case "notification": {
      const item = readItem<TData>(event.item);
      return item && { type: "notification", item };
    }
    case "unread":
      return Number.isSafeInteger(event.unread) && (event.unread as number) >= 0
        ? { type: "unread", unread: event.unread as number }
        : undefined;
    case "counts": {
      const counts = readCounts(event.counts);
      return counts && { type: "counts", counts };
    }
    case "state": {
      const change = readStateChange(event.change);
      return change && { type: "state", change };
    }
    case "refresh":
    case "reset":
      return { type: event.type };
    case "status":
      return event.status === "connecting" || event.status === "open" || event.status === "reconnecting"
        ? { type: "status", status: event.status }
        : undefined;
    default:
      return undefined;
  }
}

const EVENT_ID = /^(?:([0-9a-z]{1,16}):)?(\d{1,16})$/;

/**
 * The later of two SSE event ids (`<epoch>:<id>`): the higher id within one epoch; across
 * epochs (the feed was created again) the one heard last, `next`. An id that is not one is ignored.
 */
export function laterEventId(current: string | undefined, next: string | undefined): string | undefined {
  const parsed = next === undefined ? null : EVENT_ID.exec(next);
  if (!parsed) return current;
  const known = current === undefined ? null : EVENT_ID.exec(current);
  if (!known || known[1] !== parsed[1]) return next;
  return Number(parsed[2]) >= Number(known[2]) ? next : current;
}
