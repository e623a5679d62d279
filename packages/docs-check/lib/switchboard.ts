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
