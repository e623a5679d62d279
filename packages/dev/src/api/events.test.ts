import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer();

describe("events API", () => {
  it("lists logs newest first with filters and the SDK's numeric cursor loop", async () => {
    for (let i = 0; i < 4; i++) await t.client.publishJSON({ url: `${t.sink.url}/e?i=${i}`, body: {} });
    await t.sink.waitFor(4);
    await expect
      .poll(async () => (await t.client.logs({ filter: { state: "DELIVERED" } })).logs.length)
      .toBe(4);
    const all: string[] = [];
    let cursor: number | string = Date.now();
    let rounds = 0;
    while (Number(cursor) > 0 && rounds++ < 20) {
      const page = await t.client.logs({ count: 5, cursor });
      all.push(...page.logs.map((l) => l.state));
      cursor = page.cursor ?? 0;
    }
    expect(all).toHaveLength(12); // CREATED, ACTIVE, DELIVERED for each
    const first = await t.client.logs({ count: 1 });
    expect(first.logs[0]).toMatchObject({ state: "DELIVERED", url: expect.stringContaining("/e?i=") });
    const response = await fetch(`${t.dev.url}/v2/logs?state=CREATED`, {
      headers: { Authorization: `Bearer ${t.dev.token}` },
    });
    expect(((await response.json()) as { logs: unknown[] }).logs).toHaveLength(4);
  });
});
