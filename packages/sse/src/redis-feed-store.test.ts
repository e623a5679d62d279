import { expect, it } from "vitest";
import { z } from "zod";
import { createFeed } from "./create-feed";
import { FeedError } from "./feed-error";
import { redisFeedStore } from "./redis-feed-store";

it("refuses what is not a Redis client with a FeedError naming the clients that work", () => {
  for (const redis of [{}, { get: () => {} }, "redis://127.0.0.1:6379", null]) {
    const error = (() => {
      try {
        redisFeedStore({ redis: redis as object });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FeedError);
    expect((error as Error).message).toMatch(
      /^redisFeedStore: redis must be a Redis client: an @upstash\/redis Redis .*an ioredis Redis or Cluster .*a node-redis client/,
    );
  }
  expect(() => createFeed({ schema: z.object({}), redis: { eval: 1 } })).toThrow(FeedError);
  expect(() => redisFeedStore(undefined as never)).toThrow(/redisFeedStore: pass \{ redis \}/);
});
