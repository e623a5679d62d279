import { signPayload } from "@switchboard/wire";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { runWorkflow } from "../testing/run-workflow";

const sb = createSwitchboard({
  url: "https://app.example.com/api/switchboard",
  qstash: { token: "t", baseUrl: "http://127.0.0.1:9" },
  signingKeys: { current: "sig_current", next: "sig_next" },
});
const sendEmail = sb.createJob({
  name: "send-email",
  schema: z.object({ to: z.string(), subject: z.string() }),
  handler: async () => undefined,
});
const loaded: string[] = [];
const onboarding = sb.createWorkflow({
  name: "onboarding",
  schema: z.object({ userId: z.string() }),
  events: { read: z.object({ by: z.string() }) },
  handler: async (input, step) => {
    const user = await step.run("load-user", () => {
      loaded.push(input.userId);
      return { email: `${input.userId}@example.com` };
    });
    await step.sleep("wait-a-day", "1d");
    const read = await step.waitForEvent("wait-read", "read", { timeout: "10m" });
    await step.dispatch("welcome", sendEmail, { to: user.email, subject: read.timeout ? "nudge" : "thanks" });
    return { welcomed: user.email };
  },
});

describe("sb.createWorkflow", () => {
  it("validates its definition at once", () => {
    expect(() =>
      sb.createWorkflow({ name: "bad name", schema: z.object({}), handler: async () => 1 }),
    ).toThrow(/URL-safe/);
    expect(() =>
      sb.createWorkflow({ name: "w", schema: z.object({}), handler: async () => 1, retries: -1 }),
    ).toThrow(/retries must be a whole number/);
    expect(() =>
      sb.createWorkflow({ name: "w", schema: z.object({}), handler: async () => 1, delay: "1m" } as never),
    ).toThrow(/unknown option "delay"/);
    expect(() =>
      sb.createWorkflow({
        name: "w",
        schema: z.object({}),
        events: { "a/b": z.object({}) },
        handler: async () => 1,
      }),
    ).toThrow(/event name "a\/b" must be 1-128 URL-safe/);
  });

  it("refuses an invalid input at start, before loading anything or sending", async () => {
    await expect(onboarding.start({ userId: 7 } as never)).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await expect(onboarding.start({ userId: new Date() } as never)).rejects.toMatchObject({
      code: "INVALID_PAYLOAD",
      message: expect.stringContaining("is a Date"),
    });
  });

  it("refuses notify data that fails the event's schema, and an undeclared event", async () => {
    await expect(onboarding.notify("read", { by: 1 } as never)).rejects.toMatchObject({
      code: "INVALID_PAYLOAD",
    });
    await expect(onboarding.notify("nope" as never, {} as never)).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
  });

  it("is served by the route next to jobs; duplicates and foreign objects are refused", () => {
    expect(() => sb.handler({ jobs: [sendEmail], workflows: [onboarding] })).not.toThrow();
    expect(() => sb.handler({ workflows: [onboarding, onboarding] })).toThrow(
      /two workflows are named "onboarding"/,
    );
    expect(() => sb.handler({ workflows: [sendEmail as never] })).toThrow(
      /not a workflow made with sb.createWorkflow/,
    );
  });

  it("answers NOT_FOUND (489) for a workflow the route does not serve, listing what it serves", async () => {
    const route = sb.handler({ jobs: [sendEmail], workflows: [onboarding] });
    const url = "https://app.example.com/api/switchboard?workflow=other";
    const body = "{}";
    const response = await route(
      new Request(url, {
        method: "POST",
        headers: { "Upstash-Signature": await signPayload({ key: "sig_current", url, body }) },
        body,
      }),
    );
    expect(response.status).toBe(489);
    expect(response.headers.get("upstash-nonretryable-error")).toBe("true");
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("workflows: onboarding");
    expect(error.message).toContain("serve(sb, { workflows: [...] })");
  });
});

describe("the route's workflow target", () => {
  it.each([
    ["with a hook", "?workflow=onboarding&hook=success"],
    ["with a job too", "?workflow=onboarding&job=send-email"],
    ["with a channel too", "?workflow=onboarding&channel=notify&subscriber=sms"],
  ])("refuses a signed delivery %s as a malformed query (489 NOT_FOUND)", async (_, query) => {
    const route = sb.handler({ jobs: [sendEmail], workflows: [onboarding] });
    const url = `https://app.example.com/api/switchboard${query}`;
    const body = '{"userId":"u"}';
    const response = await route(
      new Request(url, {
        method: "POST",
        headers: { "Upstash-Signature": await signPayload({ key: "sig_current", url, body }) },
        body,
      }),
    );
    expect(response.status).toBe(489);
    expect(await response.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("reserves ?workflow= in the route URL", () => {
    expect(() => createSwitchboard({ url: "https://app.example.com/api?workflow=x" })).toThrow(/reserved/);
  });
});

describe("runWorkflow", () => {
  it("runs steps in-process, replaces listed ones, and records every step", async () => {
    loaded.length = 0;
    const run = await runWorkflow(onboarding, { userId: "u_1" }, { events: { "wait-read": { by: "ada" } } });
    expect(run.result).toEqual({ welcomed: "u_1@example.com" });
    expect(loaded).toEqual(["u_1"]);
    expect(run.steps).toEqual([
      { id: "load-user", type: "run", ran: true, result: { email: "u_1@example.com" } },
      { id: "wait-a-day", type: "sleep", ran: false, seconds: 86_400 },
      { id: "wait-read", type: "waitForEvent", ran: false, result: { timeout: false, data: { by: "ada" } } },
      {
        id: "welcome",
        type: "dispatch",
        ran: false,
        target: "send-email",
        payload: { to: "u_1@example.com", subject: "thanks" },
        result: { messageId: "msg_test_welcome", deduplicated: false },
      },
    ]);

    loaded.length = 0;
    const replayed = await runWorkflow(
      onboarding,
      { userId: "u_2" },
      { steps: { "load-user": { email: "x@y.z" } } },
    );
    expect(loaded).toEqual([]);
    expect(replayed.result).toEqual({ welcomed: "x@y.z" });
    expect(replayed.steps[3]?.payload).toEqual({ to: "x@y.z", subject: "nudge" }); // the wait timed out
  });

  it("fails a step whose result JSON would change, as the route does", async () => {
    const dated = sb.createWorkflow({
      name: "dated",
      schema: z.object({}),
      handler: async (_input, step) => step.run("now", () => ({ at: new Date() })),
    });
    await expect(runWorkflow(dated, {})).rejects.toMatchObject({
      code: "NON_RETRIABLE",
      message: expect.stringContaining('the result of step "now".at is a Date'),
    });
  });
});
