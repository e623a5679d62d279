export type { FeedAction, FeedCounts, FeedStatus } from "./feed-protocol";
export type { FeedActions, FeedConnectionStatus, LiveFeedSnapshot, UseFeedOptions } from "./live-feed";
export { type UseFeedItem, type UseFeedResult, useFeed } from "./use-feed";
