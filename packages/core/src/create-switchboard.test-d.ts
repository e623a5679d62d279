import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { JobContext, SubscriberContext } from "./context";
import { createSwitchboard } from "./create-switchboard";
import type { DispatchResult } from "./sending/dispatch-options";

const sb = createSwitchboard({ context: () => ({ db: { query: (sql: string) => sql.length } }) });

describe("createJob types", () => {
  const sendEmail = sb.createJob({
    name: "send-email",
    schema: z.object({ to: z.email(), subject: z.string(), priority: z.number().default(1) }),
    handler: async (payload, ctx) => {
      expectTypeOf(payload).toEqualTypeOf<{ to: string; subject: string; priority: number }>();
      expectTypeOf(ctx).toMatchTypeOf<JobContext>();
      expectTypeOf(ctx.db.query).toEqualTypeOf<(sql: string) => number>();
      return { sent: true as const };
    },
    onSuccess: ({ result, payload }) => {
      expectTypeOf(result).toEqualTypeOf<{ sent: true }>();
      expectTypeOf(payload.priority).toEqualTypeOf<number>();
    },
  });

  it("infers the dispatch payload from the schema's input", () => {
    expectTypeOf(sendEmail.dispatch)
      .parameter(0)
      .toEqualTypeOf<{ to: string; subject: string; priority?: number | undefined }>();
    expectTypeOf(sendEmail.dispatch({ to: "a@b.co", subject: "x" })).resolves.toEqualTypeOf<DispatchResult>();
  });

  it("rejects wrong payloads at compile time", () => {
    // @ts-expect-error subject is missing
    void sendEmail.dispatch({ to: "a@b.co" });
    // @ts-expect-error to must be a string
    void sendEmail.dispatch({ to: 1, subject: "x" });
    // @ts-expect-error unknown option
    void sendEmail.dispatch({ to: "a@b.co", subject: "x" }, { retires: 3 });
    // @ts-expect-error dispatchMany takes an array of payloads
    void sendEmail.dispatchMany([{ to: "a@b.co" }]);
    // @ts-expect-error schedule payload is typed too
    void sendEmail.schedule({ id: "daily", cron: "0 9 * * *", payload: { to: 1 } });
  });
});

describe("createChannel types", () => {
  const notify = sb.createChannel({
    name: "notify",
    schema: z.object({ userId: z.string(), title: z.string() }),
    subscribers: {
      email: async (event, ctx) => {
        expectTypeOf(event).toEqualTypeOf<{ userId: string; title: string }>();
        expectTypeOf(ctx).toMatchTypeOf<SubscriberContext>();
        expectTypeOf(ctx.db).toEqualTypeOf<{ query: (sql: string) => number }>();
      },
      sms: {
        retries: 5,
        handler: async (event) => {
          expectTypeOf(event.userId).toEqualTypeOf<string>();
        },
      },
    },
  });

  it("types subscriber names", () => {
    expectTypeOf(notify.subscribers).toEqualTypeOf<readonly ("email" | "sms")[]>();
    void notify.publish({ userId: "u", title: "t" }, { only: ["email"] });
    // @ts-expect-error "fax" is not a subscriber
    void notify.publish({ userId: "u", title: "t" }, { only: ["fax"] });
    // @ts-expect-error title is missing
    void notify.publish({ userId: "u" });
  });

  it("returns a result per subscriber", () => {
    expectTypeOf(notify.publish({ userId: "u", title: "t" })).resolves.toEqualTypeOf<{
      email?: DispatchResult;
      sms?: DispatchResult;
    }>();
  });
});

describe("channel hook types", () => {
  it("types ctx.subscriber as the channel's subscriber names and result as their results", () => {
    sb.createChannel({
      name: "receipts",
      schema: z.object({ orderId: z.string() }),
      subscribers: {
        email: async () => ({ emailId: "e1" }),
        sms: { retries: 1, handler: () => 42 },
      },
      onSuccess: ({ ctx, result }) => {
        expectTypeOf(ctx.subscriber).toEqualTypeOf<"email" | "sms">();
        expectTypeOf(result).toEqualTypeOf<{ emailId: string } | number>();
        expectTypeOf(ctx.db.query).toEqualTypeOf<(sql: string) => number>();
        // @ts-expect-error "fax" is not a subscriber
        if (ctx.subscriber === "fax") return;
      },
      onFailure: ({ ctx, payload }) => {
        expectTypeOf(ctx.subscriber).toEqualTypeOf<"email" | "sms">();
        expectTypeOf(payload).toEqualTypeOf<{ orderId: string }>();
      },
    });
  });

  it("pairs each result with its subscriber", () => {
    sb.createChannel({
      name: "pairs",
      schema: z.object({}),
      subscribers: { a: () => "text", b: () => 1 },
      onSuccess: (args) => {
        if (args.ctx.subscriber === "a") {
          // The union is per subscriber: narrowed as a whole, not through a destructured `ctx`.
          expectTypeOf(args).toMatchTypeOf<{ result: string } | { result: number }>();
        }
      },
    });
  });
});

describe("a switchboard with a context is still a Switchboard", () => {
  it("is accepted by helpers typed with the base Switchboard", async () => {
    const { createSignedRequest } = await import("./testing/create-signed-request");
    const job = sb.createJob({ name: "j", schema: z.object({ n: z.number() }), handler: () => {} });
    expectTypeOf(createSignedRequest(sb, job, { n: 1 })).resolves.toEqualTypeOf<Request>();
  });
});
