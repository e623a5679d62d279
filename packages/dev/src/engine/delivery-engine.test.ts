import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

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

  it("prints a route error's code and whole message, without its stack, however long the body", async () => {
    const message = `Signature was issued for "http://localhost:3000/api/switchboard?job=send-email", but this route expects "http://127.0.0.1:3000/api/switchboard?job=send-email". Check that SWITCHBOARD_URL (or the \`url\` option) is the public URL QStash calls.`;
    t.sink.answer(() => ({
      status: 401,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        error: {
          code: "UNAUTHORIZED",
          message,
          stack: `SwitchboardError: ${message}\n    at verifySignature (signature.ts:88:11)`,
        },
      }),
    }));
    await t.client.publishJSON({ url: `${t.sink.url}/api/switchboard?job=send-email`, body: {}, retries: 0 });
    await expect.poll(() => t.lines.join("")).toMatch(/DEAD LETTER/);
    const line = t.lines.find((l) => l.includes("DEAD LETTER"))!;
    expect(line).toContain(`(UNAUTHORIZED: ${message})`);
    expect(line).not.toMatch(/verifySignature|signature\.ts/);
  });

  it("asks whether SWITCHBOARD_URL matches the route file when the app answers an HTML 404", async () => {
    t.sink.answer(() => ({
      status: 404,
      headers: { "Content-Type": "text/html" },
      body: "<!DOCTYPE html><html><body><h1>404</h1><h2>This page could not be found.</h2></body></html>",
    }));
    await t.client.publishJSON({ url: `${t.sink.url}/api/jobs?job=send-email`, body: {}, retries: 1 });
    await expect.poll(() => t.lines.join("")).toMatch(/DEAD LETTER/);
    const host = new URL(t.sink.url).host;
    const hint = `nothing serves /api/jobs on ${host} (404): does SWITCHBOARD_URL match the path of your route file?`;
    const failures = t.lines.filter((l) => /RETRY|DEAD LETTER/.test(l));
    expect(failures).toHaveLength(2);
    for (const line of failures) {
      expect(line).toContain(hint);
      expect(line).not.toMatch(/DOCTYPE|<h1>/);
    }
  });

  it("says the app is not running on that host and port when the connection is refused", async () => {
    // A port that was just free (fetch refuses port 1 itself, as a "bad port", before connecting).
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", () => done()));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    await t.client.publishJSON({ url: `http://127.0.0.1:${port}/api/switchboard`, body: {}, retries: 0 });
    await expect
      .poll(() => t.lines.join(""))
      .toContain(
        `(connection refused: your app is not running on 127.0.0.1:${port} (start it, or fix the host and port in SWITCHBOARD_URL))`,
      );
  });

  it("marks deliveries of a scheduled message and of a URL group with their ids", async () => {
    await t.client.urlGroups.addEndpoints({
      name: "ops",
      endpoints: [{ name: "pager", url: `${t.sink.url}/page` }],
    });
    await t.client.publishJSON({ urlGroup: "ops", body: {} });
    const [delivery] = await t.sink.waitFor(1);
    expect(delivery!.headers["upstash-topic-name"]).toBe("ops");
    // The sink sees the request before the server has read the answer and logged DELIVERED.
    await vi.waitFor(async () => {
      const { events } = await t.client.logs({ filter: { state: "DELIVERED" } });
      expect(events[0]).toMatchObject({ topicName: "ops", urlGroup: "ops", endpointName: "pager" });
    });
    await t.client.urlGroups.removeEndpoints({ name: "ops", endpoints: [{ name: "pager" }] });
    expect((await t.client.urlGroups.get("ops")).endpoints).toEqual([]);
  });
});
