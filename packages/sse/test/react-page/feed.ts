import { z } from "zod";
import { createFeed } from "../../src/create-feed";
import { memoryFeedStore } from "../../src/memory-feed-store";

/** The browser test's server feed; the page imports only its type. Test-only. */
export const feed = createFeed({ store: memoryFeedStore(), schema: z.object({ title: z.string() }) });
