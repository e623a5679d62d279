export { type Clock, systemClock } from "./clock";
export {
  createFeed,
  type Feed,
  type FeedOptions,
  type HandlerOptions,
  type ListOptions,
  type PushOptions,
} from "./create-feed";
export { FeedError, type FeedIssue } from "./feed-error";
export type {
  FeedActor,
  FeedCounts,
  FeedItem,
  FeedPage,
  FeedStateChange,
  FeedStatus,
} from "./feed-item";
export type { StreamOptions } from "./feed-session";
export type {
  AppendOptions,
  AppendResult,
  FeedChange,
  FeedFlags,
  FeedStore,
  ItemFlags,
  ListFilter,
  SinceRequest,
  SinceResult,
  WriteResult,
} from "./feed-store";
export type { NodeStreamRequest, NodeStreamResponse } from "./feed-stream-node";
export type { InferFeedData, InferFeedItem, InferFeedPage } from "./infer-feed";
export { type MemoryFeedStoreOptions, memoryFeedStore } from "./memory-feed-store";
export {
  type FeedRedisClient,
  type FeedStoreStep,
  type RedisFeedStoreOptions,
  redisFeedStore,
} from "./redis-feed-store";
export { formatSseComment, formatSseEvent, type SseEvent } from "./sse-event";
