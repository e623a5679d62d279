import { createSwitchboard, NonRetriableError } from "@switchboard/core";
import { z } from "zod";

// No url, no keys: on Workers both come from the request's bindings (SWITCHBOARD_URL,
// QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY), which is what this test proves.
export const sb = createSwitchboard({});

export const greet = sb.createJob({
  name: "greet",
  schema: z.object({ name: z.string().min(1) }),
  handler: ({ name }, ctx) => {
    if (name === "nobody") throw new NonRetriableError("nobody to greet");
    return { greeting: `Hello ${name}`, attempt: ctx.attempt, userAgent: navigator.userAgent };
  },
});
