import type { Redis } from "@upstash/redis";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createFeed } from "./create-feed";
import type { FeedItem } from "./feed-item";
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

  it("accepts an @upstash/redis client", () => {
    expectTypeOf<Redis>().toEqualTypeOf<FeedRedisClient>();
    void ((redis: Redis) => redisFeedStore({ redis }));
  });
});
