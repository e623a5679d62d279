import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer();

async function fail(count: number, label: (i: number) => string) {
  t.sink.answer((d) =>
    d.path.startsWith("/fail")
      ? { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }
      : { status: 200 },
  );
  for (let i = 0; i < count; i++)
    await t.client.publishJSON({ url: `${t.sink.url}/fail?i=${i}`, body: { i }, label: label(i) });
  await expect
    .poll(async () => (await t.client.dlq.listMessages({ count: 1000 })).messages.length)
    .toBe(count);
}

describe("DLQ API", () => {
  it("pages with cursors and filters by several values of a field", async () => {
    await fail(5, (i) => (i % 2 ? "odd" : "even"));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.client.dlq.listMessages({ count: 2, cursor });
      seen.push(...page.messages.map((m) => m.dlqId));
      cursor = page.cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
    expect((await t.client.dlq.listMessages({ filter: { label: "odd" } })).messages).toHaveLength(2);
    expect((await t.client.dlq.listMessages({ filter: { label: ["odd", "even"] } })).messages).toHaveLength(
      5,
    );
    expect((await t.client.dlq.listMessages({ filter: { responseStatus: 489 } })).messages).toHaveLength(5);
    expect(
      (await t.client.dlq.listMessages({ filter: { url: `${t.sink.url}/fail?i=3` } })).messages,
    ).toHaveLength(1);
    const [one] = (await t.client.dlq.listMessages({ count: 1 })).messages;
    expect(one).toMatchObject({
      responseStatus: 489,
      method: "POST",
      body: expect.stringMatching(/"i":/),
      urlGroup: undefined,
    });
  });

  it("deletes everything with the SDK's { all, count, cursor } loop", async () => {
    await fail(5, () => "x");
    let deleted = 0;
    let cursor: string | undefined;
    let rounds = 0;
    do {
      const result = await t.client.dlq.delete({ all: true, count: 2, cursor });
      deleted += result.deleted;
      cursor = result.cursor;
    } while (cursor && ++rounds < 10);
    expect(deleted).toBe(5);
    expect((await t.client.dlq.listMessages()).messages).toEqual([]);
  });

  it("retries by filter and by id, and deletes one", async () => {
    await fail(3, (i) => `n${i}`);
    t.sink.answer(() => ({ status: 200 }));
    const { responses } = await t.client.dlq.retry({ filter: { label: "n0" } });
    expect(responses).toHaveLength(1);
    const rest = (await t.client.dlq.listMessages()).messages;
    expect(rest).toHaveLength(2);
    await t.client.dlq.retry(rest[0]!.dlqId);
    await t.client.dlq.delete(rest[1]!.dlqId);
    await t.sink.waitFor(5);
    expect((await t.client.dlq.listMessages()).messages).toEqual([]);
    await expect(t.client.dlq.delete(rest[1]!.dlqId)).rejects.toThrow(/not found/);
  });
});
