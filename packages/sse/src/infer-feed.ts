import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ClientFeedItem, ClientFeedPage } from "./client";

/** What the type helpers need of a feed: its schema. Any `createFeed(...)` result fits. */
export interface FeedWithSchema {
  readonly schema: StandardSchemaV1;
}

/**
 * The data of a feed's items, inferred from its schema (the schema's output type). Import it
 * with `import type` in browser code, with the feed itself as `import type` too: nothing of the
 * server module reaches the bundle, and the schema is never restated by hand. Items travel as
 * JSON, so keep the schema's output JSON-shaped (a transform to `Date` arrives as a string).
 *
 * @example
 * ```ts
 * "use client";
 * import type { InferFeedData } from "@switchboard/sse";
 * import { subscribeToFeed } from "@switchboard/sse/client";
 * import type { feed } from "@/lib/switchboard";
 *
 * subscribeToFeed<InferFeedData<typeof feed>>("/api/notifications/stream", {
 *   onItem: (item) => console.log(item.data.title),
 * });
 * ```
 */
export type InferFeedData<TFeed extends FeedWithSchema> = StandardSchemaV1.InferOutput<TFeed["schema"]>;

/**
 * A feed's item as the browser gets it: from `subscribeToFeed`'s `onItem`, or from a `feed.list`
 * page sent as JSON. That is `ClientFeedItem` of the feed's {@link InferFeedData}.
 *
 * @example
 * ```ts
 * "use client";
 * import type { InferFeedItem } from "@switchboard/sse";
 * import type { feed } from "@/lib/switchboard";
 *
 * type Item = InferFeedItem<typeof feed>;
 * const page = (await (await fetch("/api/notifications")).json()) as { items: Item[]; unread: number };
 * ```
 */
export type InferFeedItem<TFeed extends FeedWithSchema> = ClientFeedItem<InferFeedData<TFeed>>;

/**
 * A page of a feed as the browser gets it from `GET {route}?view=page` (see `feed.handler`): that
 * is `ClientFeedPage` of the feed's {@link InferFeedData}.
 *
 * @example
 * ```ts
 * "use client";
 * import type { InferFeedPage } from "@switchboard/sse";
 * import type { feed } from "@/lib/switchboard";
 *
 * const page = (await (await fetch("/api/notifications?view=page&status=unread")).json()) as InferFeedPage<typeof feed>;
 * ```
 */
export type InferFeedPage<TFeed extends FeedWithSchema> = ClientFeedPage<InferFeedData<TFeed>>;
