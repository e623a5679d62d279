import type { AddressInfo } from "node:net";
import { serve as serveNode } from "@hono/node-server";
import { Client as QStashClient, Receiver } from "@upstash/qstash";
import { serve, Client as WorkflowClient, type WorkflowRunLog } from "@upstash/workflow";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../start-dev-server";

// Real @upstash/workflow routes (its `serve`) on a loopback Hono server, driven by the dev server
// over HTTP exactly as QStash drives them. Every wait is a poll with its own bound.
const SPEED = 100;
const POLL = { timeout: 8_000, interval: 20 };

let dev: DevServer;
let base: string;
let client: WorkflowClient;
const closers: (() => Promise<void>)[] = [];
/** How often each step function ran, by `workflow:step`. */
const ran = new Map<string, number>();
const seen: Record<string, unknown> = {};
const thirdParty: { method: string; body: string }[] = [];
const failures: { failStatus: number; failResponse: string; payload: unknown }[] = [];

function count(key: string): void {
  ran.set(key, (ran.get(key) ?? 0) + 1);
}

async function listen(app: Hono): Promise<string> {
  const server = serveNode({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function buildRoutes(thirdPartyUrl: string): Hono {
  const options = {
    qstashClient: new QStashClient({ baseUrl: dev.url, token: dev.token }),
    receiver: new Receiver({
      currentSigningKey: dev.signingKeys.current,
      nextSigningKey: dev.signingKeys.next,
    }),
    env: {},
  };
  const app = new Hono();
  const mount = (path: string, handler: (request: Request) => Promise<Response>) =>
    app.post(path, (c) => handler(c.req.raw));

  mount(
    "/steps",
    serve<{ name: string }>(async (context) => {
      const greeting = await context.run("greet", () => {
        count("steps:greet");
        return `hello ${context.requestPayload.name}`;
      });
      const shout = await context.run("shout", () => {
        count("steps:shout");
        return greeting.toUpperCase();
      });
      const before = await context.run("before-sleep", () => Date.now());
      await context.sleep("nap", 2); // 2 s, scaled to 20 ms
      await context.sleepUntil("until", new Date(before + 1000)); // scaled from 1 s
      await context.run("after-sleep", () => {
        count("steps:after-sleep");
        seen.sleptMs = Date.now() - before;
      });
      return { shout };
    }, options).handler,
  );

  mount(
    "/parallel",
    serve(async (context) => {
      const results = await Promise.all(
        ["a", "b", "c"].map((name) =>
          context.run(`branch-${name}`, () => {
            count(`parallel:${name}`);
            return name.repeat(2);
          }),
        ),
      );
      await context.run("join", () => {
        count("parallel:join");
        seen.parallel = results;
      });
    }, options).handler,
  );

  mount(
    "/call",
    serve(async (context) => {
      const ok = await context.call<{ hello: string }>("call-ok", {
        url: `${thirdPartyUrl}/ok`,
        method: "POST",
        body: JSON.stringify({ question: 42 }),
        headers: { "content-type": "application/json" },
      });
      const broken = await context.call("call-broken", { url: `${thirdPartyUrl}/broken`, method: "GET" });
      await context.run("after-call", () => {
        count("call:after");
        seen.call = { ok, brokenStatus: broken.status };
      });
    }, options).handler,
  );

  mount(
    "/wait",
    serve<{ eventId: string; timeout: "1h" | "2s" }>(async (context) => {
      const { eventId, timeout } = context.requestPayload;
      const result = await context.waitForEvent("wait", eventId, { timeout });
      await context.run("after-wait", () => {
        seen[eventId] = result;
      });
    }, options).handler,
  );

  mount(
    "/fails",
    serve(
      async (context) => {
        await context.run("first", () => count("fails:first"));
        await context.run("explodes", () => {
          count("fails:explodes");
          throw new Error("the payment provider is down");
        });
      },
      {
        ...options,
        failureFunction: async ({ context, failStatus, failResponse }) => {
          failures.push({ failStatus, failResponse, payload: context.requestPayload });
        },
      },
    ).handler,
  );

  mount(
    "/long-sleep",
    serve(async (context) => {
      await context.run("before", () => count("long:before"));
      await context.sleep("long-nap", "1h");
      await context.run("after", () => count("long:after"));
    }, options).handler,
  );
  return app;
}

async function runLog(workflowRunId: string): Promise<WorkflowRunLog | undefined> {
  const { runs } = await client.logs({ workflowRunId });
  return runs[0];
}

async function finalState(workflowRunId: string): Promise<WorkflowRunLog["workflowState"] | undefined> {
  return (await runLog(workflowRunId))?.workflowState;
}

beforeAll(async () => {
  dev = await startDevServer({ port: 0, speed: SPEED, quiet: true });
  client = new WorkflowClient({ baseUrl: dev.url, token: dev.token });
  const vendor = new Hono();
  vendor.post("/ok", async (c) => {
    thirdParty.push({ method: "POST", body: await c.req.text() });
    return c.json({ hello: "world" });
  });
  vendor.get("/broken", (c) => {
    thirdParty.push({ method: "GET", body: "" });
    return c.text("upstream exploded", 500);
  });
  const vendorUrl = await listen(vendor);
  base = await listen(buildRoutes(vendorUrl));
});

afterAll(async () => {
  await dev.close();
  for (const close of closers) await close();
});

describe("@upstash/workflow serve() against the dev server", () => {
  it("runs steps once each, passes results on, sleeps (scaled) and lists the run with its steps", async () => {
    const { workflowRunId } = await client.trigger({ url: `${base}/steps`, body: { name: "ada" } });
    await expect.poll(() => finalState(workflowRunId), POLL).toBe("RUN_SUCCESS");

    expect(ran.get("steps:greet")).toBe(1);
    expect(ran.get("steps:shout")).toBe(1);
    expect(ran.get("steps:after-sleep")).toBe(1);
    // 2 s + 1 s at speed 100 is at least 20 ms; unscaled it would be 3 s.
    expect(seen.sleptMs).toBeGreaterThanOrEqual(20);
    expect(seen.sleptMs).toBeLessThan(3000);

    const log = await runLog(workflowRunId);
    expect(log).toMatchObject({ workflowUrl: `${base}/steps`, workflowRunResponse: '{"shout":"HELLO ADA"}' });
    const steps = log?.steps.flatMap((group) => group.steps.map((s) => ("stepName" in s ? s.stepName : "")));
    expect(steps).toEqual(["init", "greet", "shout", "before-sleep", "nap", "until", "after-sleep"]);
    expect(log?.steps[1]?.steps[0]).toMatchObject({
      stepType: "Run",
      out: '"hello ada"',
      state: "STEP_SUCCESS",
    });
  });

  it("runs parallel steps once each and hands all results to the next step", async () => {
    const { workflowRunId } = await client.trigger({ url: `${base}/parallel` });
    await expect.poll(() => finalState(workflowRunId), POLL).toBe("RUN_SUCCESS");
    expect(seen.parallel).toEqual(["aa", "bb", "cc"]);
    for (const key of ["parallel:a", "parallel:b", "parallel:c", "parallel:join"])
      expect(ran.get(key)).toBe(1);
    const log = await runLog(workflowRunId);
    expect(log?.steps.find((group) => group.type === "parallel")?.steps).toHaveLength(3);
  });

  it("context.call: the dev server calls the third party and brings its answer back, 2xx or not", async () => {
    const { workflowRunId } = await client.trigger({ url: `${base}/call` });
    await expect.poll(() => finalState(workflowRunId), POLL).toBe("RUN_SUCCESS");
    expect(thirdParty).toEqual([
      { method: "POST", body: '{"question":42}' },
      { method: "GET", body: "" },
    ]);
    expect(seen.call).toMatchObject({ ok: { status: 200, body: { hello: "world" } }, brokenStatus: 500 });
    expect(ran.get("call:after")).toBe(1);
  });

  it("waitForEvent resumes with the data client.notify sends", async () => {
    const eventId = `paid-${Date.now()}`;
    const { workflowRunId } = await client.trigger({ url: `${base}/wait`, body: { eventId, timeout: "1h" } });
    await expect.poll(async () => (await client.getWaiters({ eventId })).length, POLL).toBe(1);
    const answers = await client.notify({ eventId, eventData: { amount: 12 } });
    expect(answers).toHaveLength(1);
    expect(answers[0]?.waiter.url).toBe(`${base}/wait`);
    await expect.poll(() => finalState(workflowRunId), POLL).toBe("RUN_SUCCESS");
    expect(seen[eventId]).toEqual({ eventData: { amount: 12 }, timeout: false });
    expect(await client.getWaiters({ eventId })).toEqual([]);
  });

  it("waitForEvent times out (scaled) when nobody notifies", async () => {
    const eventId = `never-${Date.now()}`;
    const { workflowRunId } = await client.trigger({ url: `${base}/wait`, body: { eventId, timeout: "2s" } });
    await expect.poll(() => finalState(workflowRunId), POLL).toBe("RUN_SUCCESS");
    expect(seen[eventId]).toEqual({ eventData: undefined, timeout: true });
  });

  it("calls the failure function once the failing step has used its retries, and fails the run", async () => {
    const { workflowRunId } = await client.trigger({ url: `${base}/fails`, body: { order: 7 }, retries: 1 });
    await expect.poll(() => failures.length, POLL).toBe(1);
    expect(failures[0]).toEqual({
      failStatus: 500,
      failResponse: "the payment provider is down",
      payload: { order: 7 },
    });
    expect(ran.get("fails:first")).toBe(1);
    expect(ran.get("fails:explodes")).toBe(2); // the first attempt and one retry
    await expect
      .poll(async () => (await runLog(workflowRunId))?.failureFunction?.state, POLL)
      .toBe("CALLBACK_SUCCESS");
    const log = await runLog(workflowRunId);
    expect(log).toMatchObject({ workflowState: "RUN_FAILED", dlqId: expect.stringMatching(/^dlq_/) });
  });

  it("client.cancel stops a sleeping run: its pending sleep is dropped", async () => {
    const { workflowRunId } = await client.trigger({ url: `${base}/long-sleep` });
    // init and "before" are done, and the only message under way is the hour-long sleep.
    await expect
      .poll(async () => (await runLog(workflowRunId))?.steps.map((group) => group.type), POLL)
      .toEqual(["sequential", "sequential", "next"]);
    expect(ran.get("long:before")).toBe(1);
    const pending = (await runLog(workflowRunId))?.steps.at(-1)?.steps[0]?.messageId;
    expect(await client.cancel({ ids: workflowRunId })).toEqual({ cancelled: 1 });
    expect(await finalState(workflowRunId)).toBe("RUN_CANCELED");
    const message = await fetch(`${dev.url}/v2/messages/${pending}`, {
      headers: { Authorization: `Bearer ${dev.token}` },
    });
    expect(message.status).toBe(404);
    expect(ran.get("long:after")).toBeUndefined();
  });

  it("treats a trigger of a running run id as a duplicate, and cancels by URL prefix", async () => {
    const id = `dup-${Date.now()}`; // the SDK prefixes it with "wfr_"
    const { workflowRunId } = await client.trigger({ url: `${base}/long-sleep`, workflowRunId: id });
    expect(await client.trigger({ url: `${base}/long-sleep`, workflowRunId: id })).toEqual({ workflowRunId });
    await expect.poll(async () => (await runLog(workflowRunId))?.steps.at(-1)?.type, POLL).toBe("next");
    expect((await client.logs({ workflowRunId })).runs).toHaveLength(1);
    expect(await client.cancel({ urlStartingWith: `${base}/long-` })).toEqual({ cancelled: 1 });
    expect(await finalState(workflowRunId)).toBe("RUN_CANCELED");
  });

  it("refuses a step for a cancelled run with the 400 the SDK expects, and 404s its history", async () => {
    const { workflowRunId } = await client.trigger({ url: `${base}/long-sleep` });
    await expect.poll(() => finalState(workflowRunId), POLL).toBe("RUN_STARTED");
    await client.cancel({ ids: [workflowRunId] });
    const qstash = new QStashClient({ baseUrl: dev.url, token: dev.token });
    await expect(
      qstash.publish({
        url: `${base}/long-sleep`,
        headers: { "Upstash-Workflow-RunId": workflowRunId },
        body: "{}",
      }),
    ).rejects.toMatchObject({ status: 400 });
    const history = await fetch(`${dev.url}/v2/workflows/runs/${workflowRunId}`, {
      headers: { Authorization: `Bearer ${dev.token}` },
    });
    expect(history.status).toBe(404);
  });
});
