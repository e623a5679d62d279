import { createSwitchboard, type SubscriberContext } from "@switchboard/core";
import { createFeed } from "@switchboard/sse";
import { Redis } from "@upstash/redis";
import { z } from "zod";
import { demoState, recordDelivery } from "./demo-state";
import { callProvider } from "./providers";

// Everything is configured by env (SWITCHBOARD_URL, QSTASH_URL, QSTASH_TOKEN, signing keys),
// read per request: `switchboard dev` locally, QStash in production.
export const sb = createSwitchboard();

/** What a feed item holds. */
export const notificationSchema = z.object({
  title: z.string().min(1).max(120),
  message: z.string().max(500),
});

/** Upstash Redis when configured, otherwise the in-memory store (one process, fine for the demo). */
export const feed = createFeed({
  schema: notificationSchema,
  ...(process.env.UPSTASH_REDIS_REST_URL ? { redis: Redis.fromEnv() } : { store: demoState.feedStore }),
  maxItems: 500,
  groupWindowMs: 5 * 60_000,
  rateLimit: { max: 30, windowMs: 60_000 },
});

const notifyEvent = z.object({
  userId: z.string().min(1),
  title: z.string().min(1).max(120),
  message: z.string().max(500),
  groupKey: z.string().max(100).optional(),
});

/** A subscriber that sends through a simulated provider and logs every attempt for the page. */
function viaProvider(provider: "email" | "sms") {
  return async (event: z.infer<typeof notifyEvent>, ctx: SubscriberContext) => {
    const attempt = { subscriber: provider, title: event.title, attempt: ctx.attempt };
    try {
      const to =
        provider === "email" ? `${event.userId}@example.com` : "+1 555 0100" /* a fictional number */;
      const sent = await callProvider(provider, { to, text: `${event.title}: ${event.message}` });
      recordDelivery({ ...attempt, outcome: "delivered", detail: `sent (${sent.id})` });
    } catch (error) {
      // Rethrown: QStash retries it, and after the last attempt `onFailure` runs.
      const outcome = ctx.isLastAttempt ? "failed-last" : "failed";
      recordDelivery({ ...attempt, outcome, detail: (error as Error).message });
      throw error;
    }
  };
}

/** The fan-out: one publish, one independently retried delivery per subscriber. */
export const notify = sb.createChannel({
  name: "notify",
  schema: notifyEvent,
  retries: 2,
  retryDelay: "1500", // 1.5 s between attempts, so retries are visible in the demo
  subscribers: {
    email: viaProvider("email"),
    sms: viaProvider("sms"),
    inApp: async (event, ctx) => {
      const item = await feed.push(
        event.userId,
        { title: event.title, message: event.message },
        event.groupKey ? { groupKey: event.groupKey } : {},
      );
      recordDelivery({
        subscriber: "inApp",
        title: event.title,
        attempt: ctx.attempt,
        outcome: "delivered",
        detail: `feed item #${item.id}`,
      });
    },
  },
  onFailure: async ({ payload, error, ctx }) => {
    recordDelivery({
      subscriber: ctx.subscriber as "email" | "sms" | "inApp",
      title: payload.title,
      attempt: error.retried + 1,
      outcome: "dead-letter",
      detail: `gave up after ${error.retried + 1} attempts (HTTP ${error.status}): ${error.message}`,
    });
  },
});

/**
 * Escalation: if the user has not read their in-app notifications `after` an event (10 minutes
 * by default), send the event again by SMS. A durable workflow: the wait holds no function open,
 * and marking items read (`escalateUnread.notify("read", …)`) ends it early.
 */
export const escalateUnread = sb.createWorkflow({
  name: "escalate-unread",
  schema: notifyEvent.extend({ after: z.string().default("10m") }),
  events: { read: z.object({ at: z.iso.datetime() }) },
  handler: async ({ after, ...event }, step) => {
    const read = await step.waitForEvent("wait-read", "read", { key: event.userId, timeout: after });
    if (!read.timeout) return { escalated: false };
    await step.publish(
      "escalate-by-sms",
      notify,
      { ...event, title: `Unread: ${event.title}`.slice(0, 120) },
      { only: ["sms"] },
    );
    return { escalated: true };
  },
});
