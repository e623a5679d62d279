import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { SubscriberContext } from "../context";
import { createSwitchboard } from "../create-switchboard";
import type { DeliveryFailure } from "../index";
import type { BatchContext } from "./batch-types";

const sb = createSwitchboard({ context: () => ({ db: { query: (sql: string) => sql.length } }) });
const schema = z.object({
  userId: z.string(),
  taskId: z.number(),
  at: z.string().transform((s) => new Date(s)),
});
type Event = { userId: string; taskId: number; at: Date };

describe("digest and debounce subscriber types", () => {
  it("gives a digest or debounce handler SchemaOutput[] and a per-event handler one event", () => {
    const comments = sb.createChannel({
      name: "comments",
      schema,
      subscribers: {
        inApp: async (event, ctx) => {
          expectTypeOf(event).toEqualTypeOf<Event>();
          expectTypeOf(ctx).toMatchTypeOf<SubscriberContext>();
        },
        push: {
          retries: 1,
          handler: async (event) => {
            expectTypeOf(event).toEqualTypeOf<Event>();
          },
        },
        email: {
          retries: 5,
          digest: { key: (event) => event.userId, window: "10m", max: 50 },
          handler: async (events, ctx) => {
            expectTypeOf(events).toEqualTypeOf<Event[]>();
            expectTypeOf(ctx).toMatchTypeOf<BatchContext>();
            expectTypeOf(ctx.key).toEqualTypeOf<string>();
            expectTypeOf(ctx.count).toEqualTypeOf<number>();
            expectTypeOf(ctx.batch).toEqualTypeOf<"digest" | "debounce">();
            expectTypeOf(ctx.db.query).toEqualTypeOf<(sql: string) => number>();
            return { sent: events.length };
          },
          onSuccess: ({ events, key, result, ctx }) => {
            expectTypeOf(events).toEqualTypeOf<Event[]>();
            expectTypeOf(key).toEqualTypeOf<string>();
            // The handler's result reaches the hook as JSON, untyped: a subscriber's type is chosen
            // before its handler is checked (see SubscribersShape).
            expectTypeOf(result).toEqualTypeOf<unknown>();
            expectTypeOf(ctx.firstEventAt).toEqualTypeOf<Date>();
          },
          onFailure: ({ events, error }) => {
            expectTypeOf(events).toEqualTypeOf<Event[]>();
            expectTypeOf(error).toEqualTypeOf<DeliveryFailure>();
          },
        },
        sms: {
          debounce: { key: (event) => `${event.userId}:${event.taskId}`, wait: "30s", maxWait: "5m" },
          handler: async (events) => {
            expectTypeOf(events).toEqualTypeOf<Event[]>();
          },
        },
      },
      onSuccess: ({ ctx, result }) => {
        // Channel-level hooks cover the per-event subscribers; digest/debounce ones have their own.
        expectTypeOf(ctx.subscriber).toEqualTypeOf<"inApp" | "push">();
        expectTypeOf(result).toEqualTypeOf<void>();
      },
      onFailure: ({ ctx, payload }) => {
        expectTypeOf(ctx.subscriber).toEqualTypeOf<"inApp" | "push">();
        expectTypeOf(payload).toEqualTypeOf<Event>();
      },
    });
    expectTypeOf(comments.subscribers).toEqualTypeOf<readonly ("inApp" | "push" | "email" | "sms")[]>();
    void comments.publish({ userId: "u1", taskId: 1, at: "2026-01-01" }, { only: ["email", "sms"] });
  });

  it("refuses a handler typed wrong, options of the wrong kind and unknown options", () => {
    sb.createChannel({
      name: "wrong",
      schema,
      subscribers: {
        email: {
          digest: { key: (event) => event.userId, window: "10m" },
          // @ts-expect-error a digest handler takes the events, not one event
          handler: async (event: Event) => event.userId,
        },
        sms: {
          // @ts-expect-error a per-event handler takes one event, not a list
          handler: async (events: Event[]) => events.length,
        },
        push: {
          // @ts-expect-error key must return a string
          debounce: { key: (event) => event.taskId, wait: "30s" },
          handler: async () => {},
        },
        fax: {
          // @ts-expect-error window is a duration or seconds
          digest: { key: (event) => event.userId, window: true },
          handler: async () => {},
        },
        pager: {
          // @ts-expect-error a digest subscriber has no `wait`
          digest: { key: (event) => event.userId, window: "1m", wait: "1s" },
          handler: async () => {},
        },
      },
    });
    sb.createChannel({
      name: "both",
      schema,
      subscribers: {
        // biome-ignore format: one line, so the one expected error covers it
        // @ts-expect-error digest or debounce, not both
        email: { digest: { key: (event) => event.userId, window: "10m" }, debounce: { key: (event) => event.userId, wait: "1m" }, handler: async () => {} },
      },
    });
  });
});
