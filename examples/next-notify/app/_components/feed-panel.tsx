"use client";

import type { InferFeedData, InferFeedItem } from "@switchboard/sse";
import { subscribeToFeed } from "@switchboard/sse/client";
import { useCallback, useEffect, useState } from "react";
// Type-only: the item type comes from the feed's schema, and no server code reaches the bundle.
import type { feed } from "@/lib/switchboard";

type Item = InferFeedItem<typeof feed>;

/** The in-app feed: live over SSE, with an unread badge, mark-as-read and history pages. */
export function FeedPanel() {
  const [items, setItems] = useState<Item[]>([]);
  const [unread, setUnread] = useState(0);
  const [cursor, setCursor] = useState<number | undefined>();
  const [live, setLive] = useState(false);

  const loadFirstPage = useCallback(async () => {
    const page = (await (await fetch("/api/notifications")).json()) as {
      items: Item[];
      nextCursor?: number;
      unread: number;
    };
    setItems(page.items);
    setCursor(page.nextCursor);
    setUnread(page.unread);
    return page.items[0]?.id ?? 0;
  }, []);

  useEffect(() => {
    let stop = () => {};
    let cancelled = false;
    void loadFirstPage().then((newest) => {
      if (cancelled) return;
      // The stream resumes right after the newest item the page already shows, so nothing
      // pushed between the fetch and the connection is lost.
      stop = subscribeToFeed<InferFeedData<typeof feed>>(
        "/api/notifications/stream",
        {
          onOpen: () => setLive(true),
          onError: () => setLive(false),
          onItem: (item) =>
            setItems((current) => [
              item,
              // A group's update replaces its older item; a user group and the rate-limit
              // summary never replace each other, even with the same key.
              ...current.filter(
                (i) =>
                  i.id !== item.id &&
                  !(item.groupKey && i.groupKey === item.groupKey && i.summary === item.summary),
              ),
            ]),
          onUnread: setUnread,
          onReset: () => void loadFirstPage(),
        },
        { lastEventId: newest },
      );
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, [loadFirstPage]);

  async function markRead(ids: number[] | "all") {
    const response = await fetch("/api/notifications", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ids }),
    });
    const body = (await response.json()) as { unread: number };
    setUnread(body.unread);
    setItems((current) =>
      current.map((i) => (ids === "all" || ids.includes(i.id) ? { ...i, read: true } : i)),
    );
  }

  async function loadMore() {
    const page = (await (await fetch(`/api/notifications?before=${cursor}`)).json()) as {
      items: Item[];
      nextCursor?: number;
    };
    setItems((current) => [...current, ...page.items.filter((i) => !current.some((c) => c.id === i.id))]);
    setCursor(page.nextCursor);
  }

  return (
    <section className="card">
      <h2>
        In-app feed{" "}
        <span
          className={unread > 0 ? "badge" : "badge zero"}
          data-testid="unread-badge"
          title={`${unread} unread`}
        >
          {unread}
        </span>
        <span className={live ? "dot live" : "dot"} title={live ? "live" : "reconnecting"} />
      </h2>
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() => void markRead("all")}
          disabled={unread === 0}
        >
          Mark all read
        </button>
      </div>
      <ul className="feed" data-testid="feed">
        {items.length === 0 && <li className="muted">No notifications yet. Fire an event.</li>}
        {items.map((item) => (
          <li key={item.id} className={item.read ? "read" : "unread"} data-testid="feed-item">
            <div>
              <strong>{item.data.title}</strong>
              {item.count > 1 && (
                <span className="count">
                  {item.summary ? `+${item.count} more (rate limited)` : `×${item.count}`}
                </span>
              )}
              <p>{item.data.message}</p>
              <time className="muted">{new Date(item.createdAt).toLocaleTimeString()}</time>
            </div>
            {!item.read && (
              <button type="button" className="link" onClick={() => void markRead([item.id])}>
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
      {cursor !== undefined && (
        <button type="button" className="secondary" onClick={() => void loadMore()}>
          Load more
        </button>
      )}
    </section>
  );
}
