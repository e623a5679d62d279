import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer({ speed: 600 });

describe("flow control", () => {
  it("limits parallelism per key", async () => {
    // Hold every answer until all six are published, so the limit, not timing, decides how many
    // deliveries are open at once.
    let release = () => {};
    const published = new Promise<void>((resolve) => {
      release = resolve;
    });
    let open = 0;
    let maxOpen = 0;
    t.sink.answer(() => {
      maxOpen = Math.max(maxOpen, ++open);
      return { status: 200, until: published.then(() => void open--) };
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
    await t.sink.waitFor(2);
    await new Promise((r) => setTimeout(r, 50)); // room for a third, were the limit broken
    expect(t.sink.received).toHaveLength(2);
    release();
    await t.sink.waitFor(6);
    expect(maxOpen).toBe(2);
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
