import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer();

describe("messages API", () => {
  it("gets a waiting message in the SDK's Message shape", async () => {
    const { messageId } = await t.client.publishJSON({
      url: `${t.sink.url}/later?job=a`,
      body: { a: 1 },
      delay: "1d",
      retries: 2,
      label: "billing",
      headers: { "X-Tenant": "acme" },
    });
    expect(await t.client.messages.get(messageId)).toMatchObject({
      messageId,
      url: `${t.sink.url}/later?job=a`,
      method: "POST",
      body: '{"a":1}',
      maxRetries: 2,
      label: "billing",
      header: { "Content-Type": ["application/json"], "X-Tenant": ["acme"] },
      callerIp: "127.0.0.1",
    });
  });

  it("cancels by id, by ids, by filter and all", async () => {
    const publish = (label: string) =>
      t.client.publishJSON({ url: `${t.sink.url}/later`, body: {}, delay: "1d", label });
    const a = await publish("a");
    const b = await publish("b");
    const c = await publish("c");
    for (let i = 0; i < 3; i++) await publish("bulk");
    expect(await t.client.messages.cancel(a.messageId)).toEqual({ cancelled: 1 });
    await expect(t.client.messages.get(a.messageId)).rejects.toThrow(/not found/);
    expect(await t.client.messages.cancel([b.messageId])).toEqual({ cancelled: 1 });
    expect(await t.client.messages.cancel({ filter: { label: "bulk" } })).toEqual({ cancelled: 3 });
    expect(await t.client.messages.cancel({ all: true })).toEqual({ cancelled: 1 });
    await expect(t.client.messages.get(c.messageId)).rejects.toThrow(/not found/);
    const { events } = await t.client.logs({ filter: { state: "CANCELED" } });
    expect(events).toHaveLength(6);
  });
});
