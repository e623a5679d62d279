import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type DevServer, startDevServer } from "@switchboard/dev";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app";
import { activity, createOrders } from "./switchboard";

// Real HTTP end to end: dispatch → switchboard dev → this Express server → handlers.
let dev: DevServer;
let orders: ReturnType<typeof createOrders>;
let baseUrl: string;
let close: () => void;

beforeAll(async () => {
  dev = await startDevServer({ port: 0, speed: 100, quiet: true });
  // Listen first to learn the port (the switchboard's URL), then mount the app.
  let handle: (
    req: Parameters<ReturnType<typeof createApp>>[0],
    res: Parameters<ReturnType<typeof createApp>>[1],
  ) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const { createServer } = await import("node:http");
  const server: Server = createServer((req, res) => handle(req as never, res as never));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  orders = createOrders({
    url: `${baseUrl}/api/switchboard`,
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
  });
  const app = createApp(orders);
  handle = (req, res) => app(req, res);
  close = () => {
    server.closeAllConnections();
    server.close();
  };
});
afterAll(async () => {
  close();
  await dev.close();
});

describe("Express example", () => {
  it("runs a dispatched job", async () => {
    await orders.resizeImage.dispatch({ url: "https://example.com/cat.png", width: 320 });
    await expect.poll(() => activity).toContain("resized https://example.com/cat.png to 320px (attempt 1)");
  });

  it("fans an order out to every subscriber, the in-app one into the live feed", async () => {
    const stream = await fetch(`${baseUrl}/notifications/stream`, { headers: { "X-User": "ada" } });
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const reader = stream.body!.getReader();
    let text = "";
    // The stream is live once it has sent its first unread count.
    while (!text.includes("event: unread")) text += new TextDecoder().decode((await reader.read()).value);
    await orders.orderPlaced.publish({ orderId: "o_1", userId: "ada", total: 42 });
    await expect.poll(() => activity).toEqual(expect.arrayContaining(["receipt for o_1", "picking o_1"]));
    while (!text.includes("Order o_1 confirmed"))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const list = (await (
      await fetch(`${baseUrl}/notifications`, { headers: { "X-User": "ada" } })
    ).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
  });

  it("refuses the feed without a signed-in user", async () => {
    expect((await fetch(`${baseUrl}/notifications/stream`)).status).toBe(401);
  });
});
