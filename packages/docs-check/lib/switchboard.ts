// The app module the documentation imports as "@/lib/switchboard" or "../lib/switchboard".
import { createSwitchboard } from "@switchboard/core";
import { createFeed } from "@switchboard/sse";
import { z } from "zod";

export const sb = createSwitchboard();

export const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.email(), subject: z.string() }),
  handler: async () => ({ sent: true }),
});

export const sendWelcome = sb.createJob({
  name: "send-welcome",
  schema: z.object({ userId: z.string(), email: z.email() }),
  handler: async () => ({ sent: true }),
});

export const dailyDigest = sb.createJob({
  name: "daily-digest",
  schema: z.object({ team: z.string() }),
  handler: async () => {},
});

export const feed = createFeed({
  schema: z.object({ title: z.string(), body: z.string().optional() }),
});

export const notify = sb.createChannel({
  name: "notify",
  schema: z.object({ userId: z.string(), title: z.string(), body: z.string().default("") }),
  subscribers: {
    email: async () => {},
    sms: { retries: 5, handler: async () => {} },
    inApp: (event) => feed.push(event.userId, { title: event.title, body: event.body }),
  },
});

/** docs/channels.md's channel with preferences. */
export const activity = sb.createChannel({
  name: "activity",
  schema: z.object({
    userId: z.string(),
    kind: z.enum(["comments", "mentions", "security"]),
    title: z.string(),
  }),
  subscribers: { email: async () => {}, sms: async () => {}, inApp: async () => {} },
  preferences: {
    recipient: (event) => event.userId,
    category: (event) => event.kind,
    categories: {
      comments: { label: "Comments on your tasks", defaults: { sms: false } },
      mentions: { label: "Mentions" },
      security: { label: "Security alerts", critical: true },
    },
  },
});

/** docs/workflows.md's onboarding workflow. */
export const onboarding = sb.createWorkflow({
  name: "onboarding",
  schema: z.object({ userId: z.string() }),
  events: { activated: z.object({ plan: z.enum(["free", "pro"]) }) },
  handler: async (input, step) => {
    const user = await step.run("load-user", async () => ({
      email: `${input.userId}@example.com`,
      name: "Ada",
    }));
    await step.dispatch("welcome", sendEmail, { to: user.email, subject: `Welcome, ${user.name}` });
    await step.sleep("wait-a-day", "1d");
    const activated = await step.waitForEvent("wait-activation", "activated", {
      key: input.userId,
      timeout: "7d",
    });
    if (activated.timeout) {
      await step.dispatch("nudge", sendEmail, { to: user.email, subject: "Need a hand?" });
      return { activated: false as const };
    }
    return { activated: true as const, plan: activated.data.plan };
  },
});
