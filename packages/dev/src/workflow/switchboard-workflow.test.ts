import type { AddressInfo } from "node:net";
import { serve as serveNode } from "@hono/node-server";
import { createSwitchboard, NonRetriableError, RetryAfterError, type WorkflowStep } from "@switchboard/core";
import { serve } from "@switchboard/core/hono";
import { signPayload } from "@switchboard/core/testing";
import { Client as WorkflowClient, type WorkflowRunLog } from "@upstash/workflow";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type DevServer, startDevServer } from "../start-dev-server";

// sb.createWorkflow over real HTTP on loopback: workflow.start → dev server → Hono route (the one
// Switchboard route, ?workflow=<name>) → @upstash/workflow → dev server → … Every wait is a poll.
const POLL = { timeout: 10_000, interval: 20 };

let dev: DevServer;
let close: () => Promise<void>;
let logs: WorkflowClient;
let routeUrl: string;
/** How often each step function ran, by `workflow:step`. */
const ran = new Map<string, number>();
const seen: Record<string, unknown> = {};
/** Every answer of the route: status, Retry-After, and the query it was for. */
const answers: { workflow: string | null; status: number; retryAfter: string | null }[] = [];
let inFlight = 0;
/** Swapped by the "code changed" tests, as a redeploy would. */
let deployed: "v1" | "renamed" | "removed" = "v1";

function count(key: string): void {
  ran.set(key, (ran.get(key) ?? 0) + 1);
}

function buildApp(port: number) {
  routeUrl = `http://127.0.0.1:${port}/api/switchboard`;
  const sb = createSwitchboard({
    url: routeUrl,
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
  });
  const sendEmail = sb.createJob({
    name: "send-email",
    schema: z.object({ to: z.string(), subject: z.string() }),
    handler: async (payload) => {
      count(`job:${payload.subject}`);
    },
  });

  const onboarding = sb.createWorkflow({
    name: "onboarding",
    schema: z.object({ userId: z.string() }),
    handler: async (input, step) => {
      const user = await step.run("load-user", () => {
        count("onboarding:load-user");
        return { email: `${input.userId}@example.com`, loadedAt: Date.now() };
      });
      await step.sleep("wait-two-minutes", "2m"); // scaled by --speed 1000 to 120 ms
      const wakeAt = await step.run("wake-at", () => Date.now() + 60_000);
      await step.sleepUntil("until-a-minute-later", new Date(wakeAt)); // 60 ms at --speed 1000
      await step.run("after-sleep", () => {
        count("onboarding:after-sleep");
        seen.slept = Date.now() - user.loadedAt;
      });
      await step.dispatch("welcome", sendEmail, { to: user.email, subject: `welcome-${input.userId}` });
      return { welcomed: user.email };
    },
    onSuccess: ({ input, result, runId }) => {
      seen[`success:${input.userId}`] = { result, runId };
    },
  });

  const flaky = sb.createWorkflow({
    name: "flaky",
    schema: z.object({ id: z.string() }),
    retryDelay: "10",
    handler: async (input, step) => {
      const charged = await step.run("charge", () => {
        count(`flaky:charge:${input.id}`);
        return { chargeId: `ch_${input.id}` };
      });
      await step.run("ship", () => {
        count(`flaky:ship:${input.id}`);
        if ((ran.get(`flaky:ship:${input.id}`) ?? 0) < 3) throw new Error("the carrier is down");
      });
      return charged;
    },
  });

  const steered = sb.createWorkflow({
    name: "steered",
    schema: z.object({ mode: z.enum(["later", "never", "date"]) }),
    retries: 2,
    handler: async (input, step) => {
      await step.run("first", () => count(`steered:first:${input.mode}`));
      return step.run("decide", () => {
        count(`steered:decide:${input.mode}`);
        if (input.mode === "date") return { at: new Date() };
        if (input.mode === "never") throw new NonRetriableError("the customer does not exist");
        if ((ran.get("steered:decide:later") ?? 0) < 2) throw new RetryAfterError(1, "rate limited");
        return { at: "now" };
      });
    },
    onFailure: ({ input, error, runId }) => {
      seen[`failure:${input.mode}`] = { ...error, runId };
    },
  });

  const fanOut = sb.createWorkflow({
    name: "fan-out",
    schema: z.object({ items: z.array(z.string()) }),
    // Sent with the trigger and accepted; whether steps after the first keep it is QStash's
    // (the dev server applies a trigger's retries to later steps, not its flow control).
    flowControl: { key: "fan-out", parallelism: 1 },
    handler: async (input, step) => {
      const done = await Promise.all(
        input.items.map((item) =>
          step.run(`item-${item}`, () => {
            count(`fan-out:${item}`);
            return item.toUpperCase();
          }),
        ),
      );
      await step.run("join", () => {
        count("fan-out:join");
        seen.fanOut = done;
      });
    },
  });

  const escalation = sb.createWorkflow({
    name: "escalation",
    schema: z.object({ notificationId: z.string(), timeout: z.enum(["1h", "2s"]) }),
    events: { read: z.object({ by: z.string() }) },
    handler: async (input, step) => {
      const read = await step.waitForEvent("wait-read", "read", {
        key: input.notificationId,
        timeout: input.timeout,
      });
      await step.run("outcome", () => {
        seen[input.notificationId] = read.timeout ? "escalated" : `read by ${read.data.by}`;
      });
    },
  });

  const changing = sb.createWorkflow({
    name: "changing",
    schema: z.object({}),
    retries: 0,
    handler: async (_input, step: WorkflowStep) => {
      if (deployed !== "removed") {
        await step.run(deployed === "renamed" ? "before-renamed" : "before", () => count("changing:before"));
      }
      await step.sleep("nap", "1h"); // 3.6 s at --speed 1000
      await step.run("after", () => count("changing:after"));
    },
    onFailure: ({ error, runId }) => {
      seen[`changing:${runId}`] = error;
    },
  });

  const app = new Hono();
  app.post(
    "/api/switchboard",
    serve(sb, { jobs: [sendEmail], workflows: [onboarding, flaky, steered, fanOut, escalation, changing] }),
  );
  return { sb, onboarding, flaky, steered, fanOut, escalation, changing, app };
}

let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  dev = await startDevServer({ port: 0, speed: 1000, quiet: true });
  logs = new WorkflowClient({ baseUrl: dev.url, token: dev.token });
  let fetchApp: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = serveNode({
    fetch: async (request) => {
      inFlight++;
      try {
        const response = await fetchApp(request);
        answers.push({
          workflow: new URL(request.url).searchParams.get("workflow"),
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
        });
        return response;
      } finally {
        inFlight--;
      }
    },
    port: 0,
    hostname: "127.0.0.1",
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  app = buildApp((server.address() as AddressInfo).port);
  fetchApp = (request) => app.app.fetch(request);
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await dev.close();
  await close();
});

async function runLog(runId: string): Promise<WorkflowRunLog | undefined> {
  return (await logs.logs({ workflowRunId: runId })).runs[0];
}

async function state(runId: string) {
  return (await runLog(runId))?.workflowState;
}

describe("sb.createWorkflow through the dev server", () => {
  it("runs each step once, sleeps (scaled), dispatches a typed job as a step and calls onSuccess", async () => {
    const { runId } = await app.onboarding.start({ userId: "u_1" });
    expect(runId).toMatch(/^wfr_/);
    await expect.poll(() => state(runId), POLL).toBe("RUN_SUCCESS");
    expect(ran.get("onboarding:load-user")).toBe(1);
    expect(ran.get("onboarding:after-sleep")).toBe(1);
    await expect.poll(() => ran.get("job:welcome-u_1"), POLL).toBe(1);
    expect(seen.slept).toBeGreaterThanOrEqual(120); // both sleeps, scaled
    expect(seen.slept).toBeLessThan(60_000); // not the unscaled minutes
    expect(seen["success:u_1"]).toEqual({ result: { welcomed: "u_1@example.com" }, runId });
    const log = await runLog(runId);
    expect(log?.workflowUrl).toBe(`${routeUrl}?workflow=onboarding`);
    expect(
      log?.steps.flatMap((group) => group.steps.map((s) => ("stepName" in s ? s.stepName : ""))),
    ).toEqual([
      "init",
      "load-user",
      "wait-two-minutes",
      "wake-at",
      "until-a-minute-later",
      "after-sleep",
      "welcome",
    ]);
    // Every step was its own delivery to the one route, each carrying ?workflow=onboarding.
    expect(answers.filter((a) => a.workflow === "onboarding").length).toBeGreaterThanOrEqual(5);
  });

  it("replays a completed step from its recorded result when a later step is retried", async () => {
    const { runId } = await app.flaky.start({ id: "o1" });
    await expect.poll(() => state(runId), POLL).toBe("RUN_SUCCESS");
    expect(ran.get("flaky:ship:o1")).toBe(3);
    expect(ran.get("flaky:charge:o1")).toBe(1);
    expect((await runLog(runId))?.workflowRunResponse).toBe('{"chargeId":"ch_o1"}');
  });

  it("answers 429 with Retry-After for RetryAfterError, then carries on", async () => {
    const { runId } = await app.steered.start({ mode: "later" });
    await expect.poll(() => state(runId), POLL).toBe("RUN_SUCCESS");
    expect(answers).toContainEqual({ workflow: "steered", status: 429, retryAfter: "1" });
    expect(ran.get("steered:first:later")).toBe(1);
  });

  it("answers 489 for NonRetriableError: no retry, the run fails, onFailure gets the message", async () => {
    const { runId } = await app.steered.start({ mode: "never" });
    await expect.poll(() => seen["failure:never"], POLL).toBeDefined();
    expect(seen["failure:never"]).toMatchObject({
      status: 489,
      message: "the customer does not exist",
      runId,
    });
    expect(ran.get("steered:decide:never")).toBe(1); // retries: 2, but not retried
    await expect.poll(() => state(runId), POLL).toBe("RUN_FAILED");
  });

  it("refuses a step result JSON would change, at the step, before it is recorded", async () => {
    await app.steered.start({ mode: "date" });
    await expect.poll(() => seen["failure:date"], POLL).toBeDefined();
    expect(seen["failure:date"]).toMatchObject({ status: 489 });
    expect(String((seen["failure:date"] as { message: string }).message)).toContain(
      'the result of step "decide".at is a Date',
    );
  });

  it("runs parallel steps once each and hands every result on", async () => {
    const { runId } = await app.fanOut.start({ items: ["a", "b", "c"] });
    await expect.poll(() => state(runId), POLL).toBe("RUN_SUCCESS");
    expect(seen.fanOut).toEqual(["A", "B", "C"]);
    for (const key of ["fan-out:a", "fan-out:b", "fan-out:c", "fan-out:join"]) expect(ran.get(key)).toBe(1);
  });

  it("waitForEvent resumes with the typed data workflow.notify sends for its key, or times out", async () => {
    // A key is any string: this one has a slash, a query and a space, and must still match only itself.
    const waiting = await app.escalation.start({ notificationId: "n/1?x=1 ä", timeout: "1h" });
    const other = await app.escalation.start({ notificationId: "n2", timeout: "1h" });
    await expect.poll(async () => (await runLog(waiting.runId))?.steps.at(-1)?.type, POLL).toBe("next");
    await expect.poll(async () => (await runLog(other.runId))?.steps.at(-1)?.type, POLL).toBe("next");
    expect(await app.escalation.notify("read", { by: "ada" }, { key: "n/1" })).toEqual({ resumed: 0 });
    expect(await app.escalation.notify("read", { by: "ada" }, { key: "n/1?x=1 ä" })).toEqual({ resumed: 1 });
    await expect.poll(() => state(waiting.runId), POLL).toBe("RUN_SUCCESS");
    expect(seen["n/1?x=1 ä"]).toBe("read by ada");
    expect(await state(other.runId)).toBe("RUN_STARTED"); // a different key: still waiting
    await app.escalation.cancel(other.runId);

    const { runId } = await app.escalation.start({ notificationId: "n3", timeout: "2s" });
    await expect.poll(() => state(runId), POLL).toBe("RUN_SUCCESS");
    expect(seen.n3).toBe("escalated");
  });

  it("a sleeping run holds no request open, and cancel drops its pending sleep", async () => {
    const { runId } = await app.changing.start({});
    await expect.poll(async () => (await runLog(runId))?.steps.at(-1)?.type, POLL).toBe("next");
    // The sleep is a message waiting at QStash: no delivery to the route is under way.
    await expect.poll(() => inFlight, POLL).toBe(0);
    await app.changing.cancel(runId);
    expect(await state(runId)).toBe("RUN_CANCELED");
  });

  it.each([
    ["renamed", "Incompatible step name. Expected 'before-renamed', got 'before'"],
    ["removed", "Incompatible step name. Expected 'nap', got 'before'"],
  ] as const)(
    "a recorded step %s while a run sleeps fails the run with a clear error",
    async (change, message) => {
      deployed = "v1";
      const before = ran.get("changing:after") ?? 0;
      const { runId } = await app.changing.start({});
      await expect.poll(async () => (await runLog(runId))?.steps.at(-1)?.type, POLL).toBe("next");
      deployed = change; // the redeploy, while the run sleeps
      try {
        await expect.poll(() => seen[`changing:${runId}`], POLL).toBeDefined();
      } finally {
        deployed = "v1";
      }
      expect(seen[`changing:${runId}`]).toMatchObject({
        status: 500,
        message: expect.stringContaining(message),
      });
      expect(ran.get("changing:after") ?? 0).toBe(before); // nothing ran on a mismatched history
      await expect.poll(() => state(runId), POLL).toBe("RUN_FAILED");
    },
  );

  it("refuses an invalid input at start: INVALID_PAYLOAD, nothing sent", async () => {
    const before = answers.length;
    await expect(app.onboarding.start({ userId: 42 } as never)).rejects.toMatchObject({
      code: "INVALID_PAYLOAD",
    });
    expect(answers.length).toBe(before);
  });

  it("answers 401 to an unsigned or wrongly signed workflow delivery, 489 to a signed invalid input", async () => {
    const url = `${routeUrl}?workflow=onboarding`;
    const unsigned = await fetch(url, { method: "POST", body: '{"userId":"u"}' });
    expect(unsigned.status).toBe(401);
    const body = '{"userId":7}';
    const forOtherUrl = await fetch(url, {
      method: "POST",
      headers: {
        "Upstash-Signature": await signPayload({ key: dev.signingKeys.current, url: `${url}x`, body }),
      },
      body,
    });
    expect(forOtherUrl.status).toBe(401);
    const invalid = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Upstash-Signature": await signPayload({ key: dev.signingKeys.current, url, body }),
      },
      body,
    });
    expect(invalid.status).toBe(489);
    expect(invalid.headers.get("upstash-nonretryable-error")).toBe("true");
    expect(await invalid.json()).toMatchObject({ error: { code: "INVALID_PAYLOAD" } });
  });
});
