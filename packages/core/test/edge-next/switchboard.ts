import { createSwitchboard } from "@switchboard/core";
import { z } from "zod";

declare const EdgeRuntime: string | undefined;

// Url and keys come from env at request time (SWITCHBOARD_URL, QSTASH_*_SIGNING_KEY), as in an app.
export const sb = createSwitchboard({});

export const greet = sb.createJob({
  name: "greet",
  schema: z.object({ name: z.string().min(1) }),
  // Reports where it ran, so the test knows Next really used its Edge Runtime.
  handler: ({ name }) => ({
    greeting: `Hello ${name}`,
    runtime: typeof EdgeRuntime === "string" ? EdgeRuntime : "nodejs",
  }),
});
