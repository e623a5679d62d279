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

  it("accepts an @upstash/redis client", () => {
    expectTypeOf<Redis>().toEqualTypeOf<FeedRedisClient>();
    void ((redis: Redis) => redisFeedStore({ redis }));
  });
});
