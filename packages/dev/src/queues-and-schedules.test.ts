import { Client } from "@upstash/qstash";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./start-dev-server";
import { startTestSink, type TestSink } from "./test-sink";

let dev: DevServer;
let sink: TestSink;
let client: Client;

beforeEach(async () => {
  dev = await startDevServer({ port: 0, speed: 600, quiet: true });
  sink = await startTestSink(dev.signingKeys);
  client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
});
afterEach(async () => {
  const unverified = sink.received.filter((d) => !d.verified).map((d) => d.path);
  await dev.close();
  await sink.close();
  expect(unverified, "deliveries the official Receiver rejected").toEqual([]);
});

describe("queues", () => {
  it("delivers a parallelism-1 queue one at a time, in order", async () => {
    let inflight = 0;
    let maxInflight = 0;
    sink.answer(() => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      setTimeout(() => inflight--, 20);
      return { status: 200, delayMs: 20 };
    });
    const queue = client.queue({ queueName: "ordered" });
    await queue.upsert({ parallelism: 1 });
    for (let i = 0; i < 8; i++) await queue.enqueueJSON({ url: `${sink.url}/q?i=${i}`, body: { i } });
    const deliveries = await sink.waitFor(8);
    expect(deliveries.map((d) => JSON.parse(d.body).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxInflight).toBe(1);
    expect(await queue.get()).toMatchObject({ name: "ordered", parallelism: 1, paused: false });
  });

  it("holds the next message while the current one is retried and its callback runs, as QStash does", async () => {
    let firstCalls = 0;
    sink.answer((d) => ({ status: d.path === "/q1" && ++firstCalls < 3 ? 500 : 200 }));
    const queue = client.queue({ queueName: "strict" });
    await queue.upsert({ parallelism: 1 });
    await queue.enqueueJSON({ url: `${sink.url}/q1`, body: {}, retries: 3, callback: `${sink.url}/cb` });
    await queue.enqueueJSON({ url: `${sink.url}/q2`, body: {} });
    const deliveries = await sink.waitFor(5);
    expect(deliveries.map((d) => d.path)).toEqual(["/q1", "/q1", "/q1", "/cb", "/q2"]);
    expect(deliveries.map((d) => d.headers["upstash-retried"])).toEqual(["0", "1", "2", "0", "0"]);
  });

  it("holds a paused queue and resumes it", async () => {
    const queue = client.queue({ queueName: "held" });
    await queue.upsert({ parallelism: 2 });
    await queue.pause();
    await queue.enqueueJSON({ url: `${sink.url}/held`, body: {} });
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.received).toHaveLength(0);
    await queue.resume();
    await sink.waitFor(1);
    expect((await client.queue({ queueName: "held" }).get()).paused).toBe(false);
    await queue.delete();
    expect(await client.queue().list()).toEqual([]);
  });
});

describe("flow control", () => {
  it("limits parallelism per key", async () => {
    let inflight = 0;
    let maxInflight = 0;
    sink.answer(() => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      setTimeout(() => inflight--, 30);
      return { status: 200, delayMs: 30 };
    });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.publishJSON({
          url: `${sink.url}/f?i=${i}`,
          body: {},
          flowControl: { key: "smtp", parallelism: 2 },
        }),
      ),
    );
    await sink.waitFor(6);
    expect(maxInflight).toBe(2);
  });

  it("limits the rate per period", async () => {
    // rate 2 per 60 s → at speed 600, 2 per 100 ms. The first start comes after `before`, and the
    // third cannot start until a period after the first: a bound free of delivery latency.
    const before = Date.now();
    for (let i = 0; i < 4; i++) {
      await client.publishJSON({
        url: `${sink.url}/r`,
        body: {},
        flowControl: { key: "api", rate: 2, period: "60s" },
      });
    }
    const deliveries = await sink.waitFor(4);
    expect(deliveries[2]!.at - before).toBeGreaterThanOrEqual(100);
  });
});

describe("schedules", () => {
  it("fires a cron schedule with Upstash-Schedule-Id, and pauses, resumes and deletes it", async () => {
    // Every minute → every 100 ms at speed 600.
    const { scheduleId } = await client.schedules.create({
      destination: `${sink.url}/cron?job=digest`,
      cron: "* * * * *",
      body: JSON.stringify({ team: "eng" }),
      headers: { "Content-Type": "application/json" },
      scheduleId: "digest.daily",
    });
    expect(scheduleId).toBe("digest.daily");
    const [first] = await sink.waitFor(1, undefined, 5000);
    expect(first?.headers["upstash-schedule-id"]).toBe("digest.daily");
    expect(first?.verified).toBe(true);
    expect(JSON.parse(first!.body)).toEqual({ team: "eng" });
    expect(await client.schedules.get(scheduleId)).toMatchObject({ cron: "* * * * *", isPaused: false });

    await client.schedules.pause({ schedule: scheduleId });
    const count = sink.received.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(sink.received.length).toBeLessThanOrEqual(count + 1); // at most one already in flight
    const paused = sink.received.length;
    await client.schedules.resume({ schedule: scheduleId });
    await sink.waitFor(paused + 1, undefined, 5000);

    await client.schedules.delete(scheduleId);
    expect(await client.schedules.list()).toEqual([]);
  });

  it("accepts CRON_TZ, upserts by id and rejects bad crons", async () => {
    await client.schedules.create({
      destination: `${sink.url}/tz`,
      cron: "CRON_TZ=Europe/Berlin 0 9 * * *",
      scheduleId: "s1",
    });
    await client.schedules.create({ destination: `${sink.url}/tz`, cron: "0 10 * * *", scheduleId: "s1" });
    expect(await client.schedules.list()).toEqual([
      expect.objectContaining({ scheduleId: "s1", cron: "0 10 * * *" }),
    ]);
    await expect(
      client.schedules.create({ destination: `${sink.url}/tz`, cron: "every day" }),
    ).rejects.toThrow(/5 fields/);
  });
});
