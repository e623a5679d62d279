import type { Redis } from "@upstash/redis";
import type { Cluster as IoCluster, Redis as IoRedis } from "ioredis";
import { createClient, type RedisClientType } from "redis";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createFeed } from "./create-feed";
import type { FeedCounts, FeedItem } from "./feed-item";
import { type FeedRedisClient, redisFeedStore } from "./redis-feed-store";

describe("feed types", () => {
  const feed = createFeed({
    schema: z.object({ title: z.string(), level: z.enum(["info", "warn"]).default("info") }),
  });

  it("infers items from the schema", () => {
    expectTypeOf(feed.push)
      .parameter(1)
      .toEqualTypeOf<{ title: string; level?: "info" | "warn" | undefined }>();
    expectTypeOf(feed.push("u", { title: "x" })).resolves.toEqualTypeOf<
      FeedItem<{ title: string; level: "info" | "warn" }>
    >();
    // @ts-expect-error title is required
    void feed.push("u", { level: "info" });
  });

  it("types handler, stream and list from the schema", () => {
    expectTypeOf(feed.handler({ recipient: async () => "u" })).toEqualTypeOf<
      (request: Request) => Promise<Response>
    >();
    expectTypeOf(feed.stream).returns.toEqualTypeOf<Response>();
    expectTypeOf(feed.list("u")).resolves.toHaveProperty("items").items.toHaveProperty("data").toEqualTypeOf<{
      title: string;
      level: "info" | "warn";
    }>();
    // @ts-expect-error the recipient comes from a callback, not a string
    feed.handler({ recipient: "u" });
  });

  it("accepts @upstash/redis, ioredis and node-redis clients, without naming any client's type", () => {
    expectTypeOf<Redis>().toExtend<FeedRedisClient>();
    void ((redis: Redis) => redisFeedStore({ redis }));
    void ((redis: IoRedis) => redisFeedStore({ redis }));
    void ((redis: IoCluster) => createFeed({ redis, schema: z.object({}) }));
    void ((redis: RedisClientType) => redisFeedStore({ redis }));
    void (async () => createFeed({ redis: await createClient().connect(), schema: z.object({}) }));
    void ((redis: Redis) => createFeed({ redis, schema: z.object({}) }));
    // @ts-expect-error a URL string is not a client
    void redisFeedStore({ redis: "redis://127.0.0.1:6379" });
  });

  it("types the new options and methods", () => {
    void feed.push("u", { title: "x" }, { category: "comments", actor: { id: "u_1", name: "Ada" } });
    // @ts-expect-error an actor needs an id
    void feed.push("u", { title: "x" }, { actor: { name: "Ada" } });
    expectTypeOf(feed.list("u", { status: "unread", category: "comments" })).resolves.toHaveProperty(
      "counts",
    );
    // @ts-expect-error an unknown status
    void feed.list("u", { status: "new" });
    expectTypeOf(feed.markRead("u", "all")).resolves.toEqualTypeOf<number>();
    expectTypeOf(feed.markSeen("u", "all")).resolves.toEqualTypeOf<FeedCounts>();
    expectTypeOf(feed.archive("u", [1])).resolves.toEqualTypeOf<FeedCounts>();
    // @ts-expect-error markUnread takes ids, not "all"
    void feed.markUnread("u", "all");
    // @ts-expect-error unarchive takes ids, not "all"
    void feed.unarchive("u", "all");
    expectTypeOf(feed.counts("u")).resolves.toEqualTypeOf<FeedCounts>();
  });
});
