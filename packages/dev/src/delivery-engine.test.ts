import { describe, expect, it } from "vitest";
import { useDevServer } from "./use-dev-server";

const t = useDevServer();

describe("delivery engine", () => {
  it("retries a callback like any delivery, with the callback's own retries and method", async () => {
    let callbackCalls = 0;
    t.sink.answer((d) => ({ status: d.path === "/cb" && ++callbackCalls === 1 ? 503 : 200 }));
    const response = await fetch(`${t.dev.url}/v2/publish/${t.sink.url}/work`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${t.dev.token}`,
        "Content-Type": "application/json",
        "Upstash-Callback": `${t.sink.url}/cb`,
        "Upstash-Callback-Retries": "1",
        "Upstash-Callback-Method": "PUT",
      },
      body: '{"job":1}',
    });
    const { messageId } = (await response.json()) as { messageId: string };
    const callbacks = await t.sink.waitFor(2, (d) => d.path === "/cb");
    expect(callbacks.map((d) => [d.method, d.headers["upstash-retried"]])).toEqual([
      ["PUT", "0"],
      ["PUT", "1"],
    ]);
    expect(JSON.parse(callbacks[1]!.body)).toMatchObject({ sourceMessageId: messageId, status: 200 });
  });

  it("dead-letters a failed callback after its retries, without calling anything else", async () => {
    t.sink.answer((d) => ({ status: d.path === "/cb" ? 500 : 200 }));
    await t.client.publishJSON({
      url: `${t.sink.url}/work`,
      body: {},
      callback: `${t.sink.url}/cb`,
      headers: { "Upstash-Callback-Retries": "1" },
    });
    await t.sink.waitFor(2, (d) => d.path === "/cb");
    await expect
      .poll(async () => (await t.client.dlq.listMessages()).messages.map((m) => m.url))
      .toEqual([`${t.sink.url}/cb`]);
  });

  it("counts a connection refused as a failed attempt and dead-letters it after the retries", async () => {
    await t.client.publishJSON({ url: "http://127.0.0.1:1/nobody-home", body: {}, retries: 1 });
    await expect
      .poll(async () => (await t.client.dlq.listMessages()).messages)
      .toEqual([expect.objectContaining({ url: "http://127.0.0.1:1/nobody-home", responseStatus: 0 })]);
    await expect.poll(() => t.lines.join("")).toMatch(/---\s+\/nobody-home\s+attempt 2 .*DEAD LETTER/);
  });

  it("marks deliveries of a scheduled message and of a URL group with their ids", async () => {
    await t.client.urlGroups.addEndpoints({
      name: "ops",
      endpoints: [{ name: "pager", url: `${t.sink.url}/page` }],
    });
    await t.client.publishJSON({ urlGroup: "ops", body: {} });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery!.headers["upstash-topic-name"]).toBe("ops");
    const { events } = await t.client.logs({ filter: { state: "DELIVERED" } });
    expect(events[0]).toMatchObject({ topicName: "ops", urlGroup: "ops", endpointName: "pager" });
    await t.client.urlGroups.removeEndpoints({ name: "ops", endpoints: [{ name: "pager" }] });
    expect((await t.client.urlGroups.get("ops")).endpoints).toEqual([]);
  });
});
