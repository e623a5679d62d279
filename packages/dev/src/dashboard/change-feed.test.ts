import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ChangeFeed } from "./change-feed";

let server: Server | undefined;
let feed: ChangeFeed | undefined;
afterEach(async () => {
  feed?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** Opens the feed's stream over real HTTP; `events` fills as "change" events arrive. */
async function openStream(changeFeed: ChangeFeed) {
  feed = changeFeed;
  server = createServer((req, res) => changeFeed.stream(req, res));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const events: string[] = [];
  void (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const block of value.split("\n\n")) if (block.startsWith("event: change")) events.push(block);
    }
  })().catch(() => undefined);
  await expect.poll(() => events.length).toBe(1); // the greeting, sent at once
  return events;
}

describe("ChangeFeed", () => {
  it("sends one change event for a burst of notifications", async () => {
    const changes = new ChangeFeed(undefined, 50);
    const events = await openStream(changes);
    for (let i = 0; i < 5; i++) changes.notify();
    await expect.poll(() => events.length).toBe(2);
    expect(events[1]).toBe("event: change\ndata: 5");
  });

  it("notices a change nobody announced through its watch reading", async () => {
    let seq = 1;
    const changes = new ChangeFeed(() => seq, 1, 10);
    const events = await openStream(changes);
    seq = 2;
    await expect.poll(() => events.length).toBe(2);
    expect(events[1]).toBe("event: change\ndata: 1");
  });
});
