import { describe, expect, it } from "vitest";
import { useDevServer } from "./use-dev-server";

const t = useDevServer({ speed: 600 });

describe("flow control", () => {
  it("limits parallelism per key", async () => {
    let inflight = 0;
    let maxInflight = 0;
    t.sink.answer(() => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      setTimeout(() => inflight--, 30);
      return { status: 200, delayMs: 30 };
    });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.client.publishJSON({
          url: `${t.sink.url}/f?i=${i}`,
          body: {},
          flowControl: { key: "smtp", parallelism: 2 },
        }),
      ),
    );
    await t.sink.waitFor(6);
    expect(maxInflight).toBe(2);
  });

  it("limits the rate per period", async () => {
    // rate 2 per 60 s → at speed 600, 2 per 100 ms. The first start comes after `before`, and the
    // third cannot start until a period after the first: a bound free of delivery latency.
    const before = Date.now();
    for (let i = 0; i < 4; i++) {
      await t.client.publishJSON({
        url: `${t.sink.url}/r`,
        body: {},
        flowControl: { key: "api", rate: 2, period: "60s" },
      });
    }
    const deliveries = await t.sink.waitFor(4);
    expect(deliveries[2]!.at - before).toBeGreaterThanOrEqual(100);
  });
});
