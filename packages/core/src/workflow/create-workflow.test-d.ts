import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { serve as serveExpress } from "../adapters/express";
import { serve as serveHono } from "../adapters/hono";
import { serve as serveNext } from "../adapters/next";
import { createSwitchboard } from "../create-switchboard";
import { runWorkflow } from "../testing/run-workflow";
import type { WaitForEventResult } from "./workflow-types";

const sb = createSwitchboard();
const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.email(), subject: z.string() }),
  handler: async () => ({ sent: true }),
});
const notify = sb.createChannel({
  name: "notify",
  schema: z.object({ userId: z.string() }),
  subscribers: { email: async () => undefined, sms: async () => undefined },
});

const onboarding = sb.createWorkflow({
  name: "onboarding",
  schema: z.object({ userId: z.string(), count: z.coerce.number() }),
  events: { read: z.object({ by: z.string() }) },
  handler: async (input, step) => {
    expectTypeOf(input).toEqualTypeOf<{ userId: string; count: number }>();
    const user = await step.run("load-user", async () => ({ email: "a@b.co", age: 3 }));
    expectTypeOf(user).toEqualTypeOf<{ email: string; age: number }>();
    const many = await Promise.all([step.run("a", () => 1), step.run("b", () => "two")]);
    expectTypeOf(many).toEqualTypeOf<[number, string]>();

    const read = await step.waitForEvent("wait", "read", { timeout: "10m", key: input.userId });
    expectTypeOf(read).toEqualTypeOf<WaitForEventResult<{ by: string }>>();
    if (!read.timeout) expectTypeOf(read.data).toEqualTypeOf<{ by: string }>();
    // @ts-expect-error: an event the workflow does not declare
    await step.waitForEvent("wait-2", "clicked");

    await step.dispatch("welcome", sendEmail, { to: user.email, subject: "Hi" });
    // @ts-expect-error: the job's schema needs `subject`
    await step.dispatch("welcome-2", sendEmail, { to: user.email });
    const sent = await step.publish("announce", notify, { userId: input.userId }, { only: ["sms"] });
    expectTypeOf(sent).toEqualTypeOf<{
      email?: { messageId: string; deduplicated: boolean };
      sms?: { messageId: string; deduplicated: boolean };
    }>();
    // @ts-expect-error: no such subscriber
    await step.publish("announce-2", notify, { userId: input.userId }, { only: ["push"] });
    return { welcomed: user.email };
  },
  onSuccess: ({ input, result, runId }) => {
    expectTypeOf(input.userId).toBeString();
    expectTypeOf(result).toEqualTypeOf<{ welcomed: string }>();
    expectTypeOf(runId).toBeString();
  },
  onFailure: ({ input, error }) => {
    expectTypeOf(input.count).toBeNumber();
    expectTypeOf(error.status).toBeNumber();
  },
});

describe("workflow types", () => {
  it("types start, notify and cancel from the schemas", () => {
    expectTypeOf(onboarding.start).parameter(0).toEqualTypeOf<{ userId: string; count: unknown }>();
    expectTypeOf(onboarding.start({ userId: "u", count: "3" })).resolves.toEqualTypeOf<{ runId: string }>();
    // @ts-expect-error: userId is required
    void onboarding.start({ count: 1 });
    void onboarding.notify("read", { by: "ada" }, { key: "n1" });
    // @ts-expect-error: wrong data for the event
    void onboarding.notify("read", { by: 1 });
    // @ts-expect-error: undeclared event
    void onboarding.notify("clicked", {});
    expectTypeOf(onboarding.cancel).parameter(0).toBeString();
  });

  it("is listed in every adapter's route next to jobs and channels", () => {
    serveNext(sb, { jobs: [sendEmail], channels: [notify], workflows: [onboarding] });
    serveHono(sb, { workflows: [onboarding] });
    serveExpress(sb, { workflows: [onboarding] });
    sb.handler({ workflows: [onboarding] });
  });

  it("types runWorkflow's result from the handler", async () => {
    const run = await runWorkflow(onboarding, { userId: "u", count: 1 }, { steps: { "load-user": {} } });
    expectTypeOf(run.result).toEqualTypeOf<{ welcomed: string }>();
  });
});
