import {
  type BatchContext,
  createSwitchboard,
  type DigestOptions,
  type SubscriberContext,
} from "@switchboard/core";
import { createFeed } from "@switchboard/sse";
import { Redis } from "@upstash/redis";
import { z } from "zod";
import { demoState, recordDelivery } from "./demo-state";
import { callProvider } from "./providers";

// Upstash Redis when configured (`REDIS_URL=… npm run demo` serves its REST API in front of a
// local Redis): the feed, the digests and the preferences are kept there, shared by every
// instance. Without it, each lives in this process's memory (fine for one `next start`).
const redis = process.env.UPSTASH_REDIS_REST_URL ? Redis.fromEnv() : undefined;

const holder = globalThis as typeof globalThis & {
  [key: symbol]: ReturnType<typeof createSwitchboard> | undefined;
};
const sbKey = Symbol.for("switchboard.next-notify.sb");
// QStash is configured by env (SWITCHBOARD_URL, QSTASH_URL, QSTASH_TOKEN, signing keys), read per
// request: `switchboard dev` locally, QStash in production. Kept on `globalThis` because Next may
// bundle each route on its own, and without Redis the preferences live in the switchboard's
// memory: the settings route and the events route must see the same one.
holder[sbKey] ??= createSwitchboard(redis ? { redis } : {});
export const sb = holder[sbKey];

/** What a feed item holds. */
export const notificationSchema = z.object({
  title: z.string().min(1).max(120),
  message: z.string().max(500),
});

/** Upstash Redis when configured, otherwise the in-memory store (one process, fine for the demo). */
export const feed = createFeed({
  schema: notificationSchema,
  ...(redis ? { redis } : { store: demoState.feedStore }),
  maxItems: 500,
  groupWindowMs: 5 * 60_000,
  maxActors: 5,
  rateLimit: { max: 60, windowMs: 60_000 },
});

/** The kinds of notification a user can turn on and off per subscriber. */
export const CATEGORIES = ["updates", "comments", "mentions", "security"] as const;

const notifyEvent = z.object({
  userId: z.string().min(1),
  title: z.string().min(1).max(120),
  message: z.string().max(500),
  groupKey: z.string().max(100).optional(),
  /** Who did it: the author of the comment, the person who mentioned you. */
  actor: z.string().min(1).max(60).optional(),
  category: z.enum(CATEGORIES).default("updates"),
});
type NotifyEvent = z.infer<typeof notifyEvent>;

/**
 * How long the email digest collects a user's events before sending one email: 10 s so the demo
 * shows it quickly (a real app would say "10m"); `DIGEST_WINDOW` changes it.
 */
const digestWindow = (process.env.DIGEST_WINDOW ?? "10s") as DigestOptions<NotifyEvent>["window"];

/** The SMS subscriber: one message per event through the simulated provider, every attempt logged. */
async function sendSms(event: NotifyEvent, ctx: SubscriberContext) {
  const attempt = { subscriber: "sms" as const, title: event.title, attempt: ctx.attempt };
  try {
    const sent = await callProvider("sms", {
      to: "+1 555 0100" /* a fictional number */,
      text: `${event.title}: ${event.message}`,
    });
    recordDelivery({ ...attempt, outcome: "delivered", detail: `sent (${sent.id})` });
  } catch (error) {
    // Rethrown: QStash retries it, and after the last attempt `onFailure` runs.
    const outcome = ctx.isLastAttempt ? "failed-last" : "failed";
    recordDelivery({ ...attempt, outcome, detail: (error as Error).message });
    throw error;
  }
}

/** The email digest's subject: the first event, and how many more the email carries. */
function digestTitle(events: NotifyEvent[]): string {
  const first = events[0]?.title ?? "";
  return events.length > 1 ? `${first} (+${events.length - 1} more)` : first;
}

/** One email for all of a user's events in the window, through the simulated provider. */
async function sendDigestEmail(events: NotifyEvent[], ctx: BatchContext) {
  const attempt = { subscriber: "email" as const, title: digestTitle(events), attempt: ctx.attempt };
  try {
    const text = events.map((e) => `${e.actor ? `${e.actor}: ` : ""}${e.title}: ${e.message}`).join("\n");
    const sent = await callProvider("email", { to: `${ctx.key}@example.com`, text });
    recordDelivery({
      ...attempt,
      events: events.length,
      outcome: "delivered",
      detail: `1 email carrying ${events.length} event${events.length === 1 ? "" : "s"} (${sent.id})`,
    });
    return { id: sent.id, events: events.length };
  } catch (error) {
    const outcome = ctx.isLastAttempt ? "failed-last" : "failed";
    recordDelivery({ ...attempt, events: events.length, outcome, detail: (error as Error).message });
    throw error;
  }
}

/**
 * The fan-out: one publish, one independently retried delivery per subscriber. Email is a digest
 * (one email per user per window, whatever the number of events), in-app groups by `groupKey`
 * and remembers who did it, and each user chooses per category which subscribers they hear from.
 */
export const notify = sb.createChannel({
  name: "notify",
  schema: notifyEvent,
  retries: 2,
  retryDelay: "1500", // 1.5 s between attempts, so retries are visible in the demo
  subscribers: {
    email: {
      digest: { key: (event) => event.userId, window: digestWindow, max: 100 },
      handler: async (events, ctx) => sendDigestEmail(events, ctx),
      onFailure: async ({ events, error }) => {
        recordDelivery({
          subscriber: "email",
          title: digestTitle(events),
          events: events.length,
          attempt: error.retried + 1,
          outcome: "dead-letter",
          detail: `gave up after ${error.retried + 1} attempts (HTTP ${error.status}): ${error.message}`,
        });
      },
    },
    sms: sendSms,
    inApp: async (event, ctx) => {
      const item = await feed.push(
        event.userId,
        { title: event.title, message: event.message },
        {
          category: event.category,
          ...(event.groupKey ? { groupKey: event.groupKey } : {}),
          ...(event.actor ? { actor: { id: event.actor.toLowerCase(), name: event.actor } } : {}),
          // A retried delivery pushes nothing twice.
          dedupeKey: ctx.messageId,
        },
      );
      recordDelivery({
        subscriber: "inApp",
        title: event.title,
        attempt: ctx.attempt,
        outcome: "delivered",
        detail: `feed item #${item.id}${item.count > 1 ? ` (a group of ${item.count})` : ""}`,
      });
    },
  },
  preferences: {
    recipient: (event) => event.userId,
    category: (event) => event.category,
    categories: {
      updates: { label: "Task updates" },
      comments: { label: "Comments on your tasks", defaults: { sms: false } },
      mentions: { label: "Mentions" },
      security: { label: "Security alerts", critical: true },
    },
  },
  onFailure: async ({ payload, error, ctx }) => {
    recordDelivery({
      subscriber: ctx.subscriber as "sms" | "inApp",
      title: payload.title,
      attempt: error.retried + 1,
      outcome: "dead-letter",
      detail: `gave up after ${error.retried + 1} attempts (HTTP ${error.status}): ${error.message}`,
    });
  },
});

/**
 * Escalation: if the user has not read their in-app notifications `after` an event (10 minutes
 * by default), send the event again by SMS (if the user's preferences allow SMS for it). A
 * durable workflow: the wait holds no function open, and marking items read
 * (`escalateUnread.notify("read", …)`) ends it early.
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
