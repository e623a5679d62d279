import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer({ speed: 600 });

describe("flow control API", () => {
  it("reports a key in the SDK's FlowControlInfo shape", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    t.sink.answer(() => ({ status: 200, until: held }));
    for (let i = 0; i < 3; i++) {
      await t.client.publishJSON({
        url: `${t.sink.url}/fc?i=${i}`,
        body: {},
        flowControl: { key: "smtp", parallelism: 1, rate: 10, period: "1h" },
      });
    }
    await t.sink.waitFor(1);
    const info = await t.client.flowControl.get("smtp");
    expect(info).toEqual({
      flowControlKey: "smtp",
      waitListSize: 2,
      parallelismMax: 1,
      parallelismCount: 1,
      rateMax: 10,
      rateCount: 1,
      ratePeriod: 3600,
      ratePeriodStart: expect.any(Number),
      isPaused: false,
      isPinnedParallelism: false,
      isPinnedRate: false,
    });
    expect(await t.client.flowControl.getGlobalParallelism()).toEqual({
      parallelismMax: 0,
      parallelismCount: 1,
    });
    release();
    await t.sink.waitFor(3);
  });

  it("pauses and resumes a key, holding its wait list", async () => {
    await t.client.flowControl.pause("held");
    await t.client.publishJSON({
      url: `${t.sink.url}/held`,
      body: {},
      flowControl: { key: "held", parallelism: 5 },
    });
    await expect.poll(async () => (await t.client.flowControl.get("held")).waitListSize).toBe(1);
    expect((await t.client.flowControl.get("held")).isPaused).toBe(true);
    expect(t.sink.received).toHaveLength(0);
    await t.client.flowControl.resume("held");
    await t.sink.waitFor(1);
  });

  it("pins a parallelism that wins over the messages' own, and unpins it", async () => {
    let inflight = 0;
    let maxInflight = 0;
    t.sink.answer(() => {
      maxInflight = Math.max(maxInflight, ++inflight);
      setTimeout(() => inflight--, 25);
      return { status: 200, delayMs: 25 };
    });
    await t.client.flowControl.pin("pinned", { parallelism: 1 });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        t.client.publishJSON({
          url: `${t.sink.url}/p?i=${i}`,
          body: {},
          flowControl: { key: "pinned", parallelism: 4 },
        }),
      ),
    );
    await t.sink.waitFor(4);
    expect(maxInflight).toBe(1);
    expect((await t.client.flowControl.get("pinned")).isPinnedParallelism).toBe(true);
    await t.client.flowControl.unpin("pinned", { parallelism: true });
    expect(await t.client.flowControl.get("pinned")).toMatchObject({
      isPinnedParallelism: false,
      parallelismMax: 4,
    });
    await t.client.flowControl.resetRate("pinned");
  });

  it("answers an unknown key with an empty record", async () => {
    expect(await t.client.flowControl.get("nobody")).toMatchObject({
      flowControlKey: "nobody",
      waitListSize: 0,
    });
  });
});
