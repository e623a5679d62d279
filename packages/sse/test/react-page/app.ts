// The browser test's page: useFeed rendered as an app would (React 19, StrictMode, so effects
// run twice), typed from the server feed through a type-only import. Test-only.
import { createElement as h, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { useFeed } from "../../src/react/index";
import type { feed } from "./feed";

function App() {
  const { items, counts, status, hasMore, error, loadMore, markSeen, markRead, archive } = useFeed<
    typeof feed
  >("/api/feed", { limit: 5 });
  return h(
    "main",
    null,
    h("p", { "data-testid": "status" }, status),
    h("p", { "data-testid": "unseen" }, String(counts.unseen)),
    h("p", { "data-testid": "unread" }, String(counts.unread)),
    h("p", { "data-testid": "error" }, error?.message ?? ""),
    h("button", { type: "button", onClick: () => markSeen("all") }, "seen all"),
    h(
      "ul",
      null,
      items.map((item) =>
        h(
          "li",
          { key: item.id, "data-testid": "item", "data-id": item.id, "data-read": String(item.read) },
          h("span", null, item.data.title),
          h("button", { type: "button", onClick: () => markRead([item.id]) }, "read"),
          h("button", { type: "button", onClick: () => archive([item.id]) }, "archive"),
        ),
      ),
    ),
    hasMore ? h("button", { type: "button", onClick: () => loadMore() }, "more") : null,
  );
}

createRoot(document.getElementById("root")!).render(h(StrictMode, null, h(App)));
