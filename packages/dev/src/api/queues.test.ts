import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer({ speed: 600 });

describe("queues", () => {
  it("delivers a parallelism-1 queue one at a time, in order", async () => {
    let inflight = 0;
    let maxInflight = 0;
    t.sink.answer(() => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      setTimeout(() => inflight--, 20);
      return { status: 200, delayMs: 20 };
    });
    const queue = t.client.queue({ queueName: "ordered" });
    await queue.upsert({ parallelism: 1 });
    for (let i = 0; i < 8; i++) await queue.enqueueJSON({ url: `${t.sink.url}/q?i=${i}`, body: { i } });
    const deliveries = await t.sink.waitFor(8);
    expect(deliveries.map((d) => JSON.parse(d.body).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxInflight).toBe(1);
    expect(await queue.get()).toMatchObject({ name: "ordered", parallelism: 1, paused: false });
  });

  it("holds the next message while the current one is retried and its callback runs, as QStash does", async () => {
    let firstCalls = 0;
    t.sink.answer((d) => ({ status: d.path === "/q1" && ++firstCalls < 3 ? 500 : 200 }));
    const queue = t.client.queue({ queueName: "strict" });
    await queue.upsert({ parallelism: 1 });
    await queue.enqueueJSON({ url: `${t.sink.url}/q1`, body: {}, retries: 3, callback: `${t.sink.url}/cb` });
    await queue.enqueueJSON({ url: `${t.sink.url}/q2`, body: {} });
    const deliveries = await t.sink.waitFor(5);
    expect(deliveries.map((d) => d.path)).toEqual(["/q1", "/q1", "/q1", "/cb", "/q2"]);
    expect(deliveries.map((d) => d.headers["upstash-retried"])).toEqual(["0", "1", "2", "0", "0"]);
  });

  it("holds a paused queue and resumes it", async () => {
    const queue = t.client.queue({ queueName: "held" });
    await queue.upsert({ parallelism: 2 });
    await queue.pause();
    await queue.enqueueJSON({ url: `${t.sink.url}/held`, body: {} });
    await new Promise((r) => setTimeout(r, 150));
    expect(t.sink.received).toHaveLength(0);
    await queue.resume();
    await t.sink.waitFor(1);
    expect((await t.client.queue({ queueName: "held" }).get()).paused).toBe(false);
    await queue.delete();
    expect(await t.client.queue().list()).toEqual([]);
  });
});
