import { type EventSourceConstructor, type FeedHandlers, subscribeToFeed } from "../client";
import { readCounts, readItem, readStateChange } from "./feed-protocol";
import type { ConnectStream } from "./shared-stream";

/** Options for {@link connectFeedStream}. */
export interface ConnectFeedStreamOptions {
  withCredentials?: boolean;
  EventSource?: EventSourceConstructor | undefined;
}

/**
 * The real stream of a feed route, for {@link shareStream}: `subscribeToFeed` (which reconnects
 * and resumes by itself), each event decoded into a `StreamEvent` with its SSE id, and the
 * connection's state as `status` events.
 */
export function connectFeedStream<TData>(
  url: string,
  options: ConnectFeedStreamOptions = {},
): ConnectStream<TData> {
  return (resumeAfter, emit) => {
    let eventId: string | undefined;
    let opened = false;
    emit({ type: "status", status: "connecting" });
    // Every event is checked as it comes: the stream's URL could be anything that answers.
    const handlers: FeedHandlers<TData> = {
      onEventId: (id) => {
        eventId = id;
      },
      onItem: (raw) => {
        const item = readItem<TData>(raw);
        if (item) emit({ type: "notification", item }, eventId);
      },
      onUnread: (unread) => emit({ type: "unread", unread }, eventId),
      onCounts: (raw) => {
        const counts = readCounts(raw);
        if (counts) emit({ type: "counts", counts }, eventId);
      },
      onState: (raw) => {
        const change = readStateChange(raw);
        if (change) emit({ type: "state", change }, eventId);
      },
      onRefresh: () => emit({ type: "refresh" }, eventId),
      onReset: () => emit({ type: "reset" }, eventId),
      onOpen: () => {
        opened = true;
        emit({ type: "status", status: "open" }, eventId);
      },
      onError: () => emit({ type: "status", status: opened ? "reconnecting" : "connecting" }, eventId),
    };
    return subscribeToFeed<TData>(url, handlers, {
      ...(resumeAfter === undefined ? {} : { lastEventId: resumeAfter }),
      withCredentials: options.withCredentials ?? false,
      ...(options.EventSource ? { EventSource: options.EventSource } : {}),
    });
  };
}
