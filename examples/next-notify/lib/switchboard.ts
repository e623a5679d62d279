import { createSwitchboard } from "@switchboard/core";
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

/** A failed attempt is retried unless it was the last one QStash will make. */
const failure = (ctx: { isLastAttempt: boolean }) => (ctx.isLastAttempt ? "failed-last" : "failed");

/** The fan-out: one publish, one independently retried delivery per subscriber. */
export const notify = sb.createChannel({
  name: "notify",
  schema: z.object({
    userId: z.string().min(1),
    title: z.string().min(1).max(120),
    message: z.string().max(500),
    groupKey: z.string().max(100).optional(),
  }),
  retries: 2,
  retryDelay: "1500", // 1.5 s between attempts, so retries are visible in the demo
  subscribers: {
    email: async (event, ctx) => {
      try {
        await callProvider("email", event.userId, event.title);
        recordDelivery({
          subscriber: "email",
          title: event.title,
          attempt: ctx.attempt,
          outcome: "delivered",
          detail: "sent",
        });
      } catch (error) {
        recordDelivery({
          subscriber: "email",
          title: event.title,
          attempt: ctx.attempt,
          outcome: failure(ctx),
          detail: String((error as Error).message),
        });
        throw error;
      }
    },
    sms: async (event, ctx) => {
      try {
        await callProvider("sms", event.userId, event.title);
        recordDelivery({
          subscriber: "sms",
          title: event.title,
          attempt: ctx.attempt,
          outcome: "delivered",
          detail: "sent",
        });
      } catch (error) {
        recordDelivery({
          subscriber: "sms",
          title: event.title,
          attempt: ctx.attempt,
          outcome: failure(ctx),
          detail: String((error as Error).message),
        });
        throw error;
      }
    },
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
