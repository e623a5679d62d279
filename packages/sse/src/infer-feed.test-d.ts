import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { ClientFeedItem } from "./client";
import { subscribeToFeed } from "./client";
import { createFeed } from "./create-feed";
// From the package entry, type-only, as browser code imports them.
import type { InferFeedData, InferFeedItem } from "./index";

const feed = createFeed({
  schema: z.object({
    title: z.string(),
    level: z.enum(["info", "warn"]).default("info"),
    tasks: z.coerce.number(), // input unknown, output number
  }),
});
type Data = { title: string; level: "info" | "warn"; tasks: number };

describe("feed type helpers", () => {
  it("infer the item data from the feed's schema (its output, not its input)", () => {
    expectTypeOf<InferFeedData<typeof feed>>().toEqualTypeOf<Data>();
    expectTypeOf<InferFeedData<typeof feed>>().not.toEqualTypeOf<{ title: string }>();
    expectTypeOf<InferFeedItem<typeof feed>>().toEqualTypeOf<ClientFeedItem<Data>>();
  });

  it("type subscribeToFeed's items with no restated schema", () => {
    subscribeToFeed<InferFeedData<typeof feed>>("/stream", {
      onItem: (item) => {
        expectTypeOf(item).toEqualTypeOf<InferFeedItem<typeof feed>>();
        expectTypeOf(item.data.level).toEqualTypeOf<"info" | "warn">();
        // @ts-expect-error not in the schema
        void item.data.body;
      },
    });
  });

  it("accept only feeds", () => {
    // @ts-expect-error a plain object is not a feed
    expectTypeOf<InferFeedData<{ title: string }>>().toBeNever();
  });
});
