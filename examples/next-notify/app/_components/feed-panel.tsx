"use client";

import { type UseFeedItem, useFeed } from "@switchboard/sse/react";
import { useEffect, useState } from "react";
// Type-only: the item type comes from the feed's schema, and no server code reaches the bundle.
import type { feed } from "@/lib/switchboard";

type Item = UseFeedItem<typeof feed>;

const STATUS_LABEL = {
  connecting: "connecting",
  open: "live",
  reconnecting: "reconnecting",
  closed: "closed",
};

/** "Ada, Bob and 13 others": the item's most recent actors, then how many more there were. */
export function actorsLine(item: Pick<Item, "actors" | "actorCount">): string {
  const names = item.actors.slice(0, 2).map((actor) => actor.name ?? actor.id);
  const others = item.actorCount - names.length;
  if (names.length === 0) return "";
  if (others <= 0) return names.join(" and ");
  return `${names.join(", ")} and ${others} other${others === 1 ? "" : "s"}`;
}

/**
 * The in-app feed as a bell, with `useFeed`: the badge counts unseen items and opening the bell
 * marks them seen; clicking an item marks it read; archive moves it out of the inbox. One stream
 * per browser, shared by the tabs; marks made in one tab show in the others.
 */
export function FeedPanel() {
  const { items, counts, status, hasMore, loadMore, markSeen, markRead, archive, error } = useFeed<
    typeof feed
  >("/api/notifications", { limit: 10 });
  const [open, setOpen] = useState(false);

  // While the bell is open, what arrives is shown, so it is seen. (Not again after a refused
  // mark: its rollback brings the count back, and retrying at once would loop.)
  useEffect(() => {
    if (open && counts.unseen > 0 && !error) void markSeen("all");
  }, [open, counts.unseen, error, markSeen]);

  return (
    <section className="card">
      <h2>
        <button
          type="button"
          className="bell"
          aria-expanded={open}
          aria-label={`Notifications, ${counts.unseen} unseen`}
          onClick={() => setOpen(!open)}
        >
          🔔{" "}
          <span className={counts.unseen > 0 ? "badge" : "badge zero"} data-testid="unseen-badge">
            {counts.unseen}
          </span>
        </button>
        In-app feed
        <span className={status === "open" ? "dot live" : "dot"} title={STATUS_LABEL[status]} />
        <span className="muted" data-testid="connection">
          {STATUS_LABEL[status]}
        </span>
      </h2>
      <p className="muted">
        <span data-testid="unread-count">{counts.unread}</span> unread ·{" "}
        <span data-testid="archived-count">{counts.archived}</span> archived
      </p>
      {error && (
        <p className="bad" role="alert">
          {error.message}
        </p>
      )}
      {open && (
        <>
          <div className="row">
            <button
              type="button"
              className="secondary"
              onClick={() => void markRead("all")}
              disabled={counts.unread === 0}
            >
              Mark all read
            </button>
          </div>
          <ul className="feed" data-testid="feed">
            {items.length === 0 && <li className="muted">No notifications yet. Fire an event.</li>}
            {items.map((item) => (
              <FeedRow key={item.id} item={item} onRead={markRead} onArchive={archive} />
            ))}
          </ul>
          {hasMore && (
            <button type="button" className="secondary" onClick={() => void loadMore()}>
              Load more
            </button>
          )}
        </>
      )}
    </section>
  );
}

function FeedRow({
  item,
  onRead,
  onArchive,
}: {
  item: Item;
  onRead: (ids: number[]) => Promise<void>;
  onArchive: (ids: number[]) => Promise<void>;
}) {
  const actors = actorsLine(item);
  return (
    <li className={item.read ? "read" : "unread"} data-testid="feed-item" data-id={item.id}>
      <button type="button" className="open" onClick={() => void onRead([item.id])}>
        {actors && (
          <span className="actors" data-testid="actors">
            {actors}
          </span>
        )}
        <strong>{item.data.title}</strong>
        {item.count > 1 && (
          <span className="count">
            {item.summary ? `+${item.count} more (rate limited)` : `×${item.count}`}
          </span>
        )}
        {item.category && <span className="tag">{item.category}</span>}
        <p>{item.data.message}</p>
        <time className="muted">{new Date(item.createdAt).toLocaleTimeString()}</time>
      </button>
      <button type="button" className="link" onClick={() => void onArchive([item.id])}>
        Archive
      </button>
    </li>
  );
}
