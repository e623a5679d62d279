import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "@switchboard/core/express";
import { type DevServer, startDevServer } from "@switchboard/dev";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { demoState } from "@/lib/demo-state";
import { escalateUnread, feed, notify } from "@/lib/switchboard";

// The notify channel end to end over real loopback HTTP: `notify.publish` → an in-process
// `switchboard dev` → this route (served by Node, as `next start` would) → the subscribers.
let dev: DevServer;
let server: Server;
const env = { ...process.env };
// The route logs every failed attempt; the test reads those lines instead of printing them.
const logged = vi.spyOn(console, "error").mockImplementation(() => {});

beforeAll(async () => {
  // Retries are 1.5 s apart in the demo; 50× faster here.
  dev = await startDevServer({ port: 0, speed: 50, quiet: true });
  // The env `npm run demo` gives the app. The switchboard reads it on every call, as under Next;
  // the route checks at start-up that signing keys are there, so they come before its import.
  Object.assign(process.env, {
    QSTASH_URL: dev.url,
    QSTASH_TOKEN: dev.token,
    QSTASH_CURRENT_SIGNING_KEY: dev.signingKeys.current,
    QSTASH_NEXT_SIGNING_KEY: dev.signingKeys.next,
  });
  const { POST } = await import("./route");
  server = createServer(toNodeHandler(POST));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.env.SWITCHBOARD_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/switchboard`;
});

afterAll(async () => {
  process.env = env;
  logged.mockRestore();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dev.close();
});

beforeEach(() => {
  demoState.failing.email = false;
  demoState.failing.sms = false;
});

/** The deliveries panel's log for one event, oldest first, as `subscriber outcome` lines. */
function log(title: string): string[] {
  return demoState.deliveries
    .filter((d) => d.title === title)
    .reverse()
    .map((d) => `${d.subscriber} ${d.outcome}`);
}

describe("the notify channel", () => {
  it("fans one publish out to email, SMS and the in-app feed", async () => {
    const sent = await notify.publish({ userId: "ada", title: "Deploy finished", message: "v1.4 is live." });
    expect(Object.keys(sent).sort()).toEqual(["email", "inApp", "sms"]);
    await expect
      .poll(() => log("Deploy finished").sort(), { timeout: 5_000 })
      .toEqual(["email delivered", "inApp delivered", "sms delivered"]);
    const { items, unread } = await feed.list("ada");
    expect(items[0]?.data).toEqual({ title: "Deploy finished", message: "v1.4 is live." });
    expect(unread).toBe(1);
  });

  it("publishes only to the subscribers asked for", async () => {
    await notify.publish({ userId: "ada", title: "Just email", message: "" }, { only: ["email"] });
    await expect.poll(() => log("Just email"), { timeout: 5_000 }).toEqual(["email delivered"]);
    // Give a stray delivery the time to show up before saying there is none.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(log("Just email")).toEqual(["email delivered"]);
  });

  it("retries a broken SMS provider, then dead-letters it through onFailure; email is sent once", async () => {
    demoState.failing.sms = true;
    const before = { ...demoState.totals.sms };
    await notify.publish(
      { userId: "ada", title: "Server on fire", message: "Disk full." },
      { only: ["email", "sms"] },
    );
    await expect
      .poll(() => log("Server on fire").filter((line) => line.startsWith("sms")), { timeout: 10_000 })
      .toEqual(["sms failed", "sms failed", "sms failed-last", "sms dead-letter"]);
    expect(log("Server on fire").filter((line) => line.startsWith("email"))).toEqual(["email delivered"]);
    const deadLetter = demoState.deliveries.find((d) => d.outcome === "dead-letter");
    expect(deadLetter?.detail).toMatch(/gave up after 3 attempts .*503/);
    expect(logged).toHaveBeenCalledWith(
      "[switchboard] SMS provider answered 503 Service Unavailable",
      expect.any(Error),
    );
    expect(demoState.totals.sms).toEqual({
      attempts: before.attempts + 3,
      delivered: before.delivered,
      failed: before.failed + 3,
      deadLetters: before.deadLetters + 1,
    });
  });

  it("refuses a delivery that is not signed", async () => {
    const response = await fetch(process.env.SWITCHBOARD_URL!.concat("?channel=notify&subscriber=sms"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userId: "ada", title: "forged", message: "" }),
    });
    expect(response.status).toBe(401);
    expect(log("forged")).toEqual([]);
  });
});

describe("the escalate-unread workflow", () => {
  it("sends an unread notification again by SMS once its wait times out", async () => {
    // "2s" at the dev server's speed 50 is 40 ms.
    await escalateUnread.start({
      userId: "ada",
      title: "Payment failed",
      message: "Card declined.",
      after: "2s",
    });
    await expect.poll(() => log("Unread: Payment failed"), { timeout: 10_000 }).toEqual(["sms delivered"]);
  });

  it("ends without an SMS when the user reads first", async () => {
    await escalateUnread.start({ userId: "grace", title: "Read in time", message: "", after: "1h" });
    // A notify resumes the waits under way: repeat it until the run is waiting.
    await expect
      .poll(() => escalateUnread.notify("read", { at: new Date().toISOString() }, { key: "grace" }), {
        timeout: 10_000,
      })
      .toEqual({ resumed: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a stray SMS to show up
    expect(log("Unread: Read in time")).toEqual([]);
  });
});
