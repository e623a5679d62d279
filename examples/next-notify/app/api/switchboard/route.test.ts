import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { skippedSubscribers } from "@switchboard/core";
import { toNodeHandler } from "@switchboard/core/express";
import { type DevServer, startDevServer } from "@switchboard/dev";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// The email digest's window, before lib/switchboard reads it: 150 s at the dev server's speed 50
// is 3 s, so a burst of 15 publishes lands in one window even on a loaded machine.
vi.hoisted(() => {
  process.env.DIGEST_WINDOW = "150s";
});

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
      .poll(() => log("Deploy finished").sort(), { timeout: 10_000 })
      .toEqual(["email delivered", "inApp delivered", "sms delivered"]);
    const { items, unread } = await feed.list("ada");
    expect(items[0]?.data).toEqual({ title: "Deploy finished", message: "v1.4 is live." });
    expect(unread).toBe(1);
  });

  it("publishes only to the subscribers asked for", async () => {
    await notify.publish({ userId: "ada", title: "Just email", message: "" }, { only: ["email"] });
    await expect.poll(() => log("Just email"), { timeout: 10_000 }).toEqual(["email delivered"]);
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
    await expect
      .poll(() => log("Server on fire").filter((line) => line.startsWith("email")), { timeout: 10_000 })
      .toEqual(["email delivered"]);
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
      skipped: before.skipped,
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

describe("digests, groups and preferences", () => {
  it("turns 15 comments from 15 people into one email, one feed item naming them, and no SMS", async () => {
    const authors = ["Ada", "Bob", "Chen", "Dara", "Emeka", "Fatima", "Goran", "Hana", "Ines", "Jonas"];
    const comments = Array.from({ length: 15 }, (_, i) => ({
      userId: "grace",
      title: "New comment on Task #77",
      message: `Comment ${i + 1}`,
      category: "comments" as const,
      groupKey: "task-77",
      actor: authors[i] ?? `Guest ${i}`,
    }));
    // At once, as a burst arrives: the digest and the group collect them whatever the order.
    const sent = await Promise.all(comments.map((comment) => notify.publish(comment)));
    // SMS is off by default for comments: no message was even sent for it.
    for (const result of sent) {
      expect(Object.keys(result).sort()).toEqual(["email", "inApp"]);
      expect(skippedSubscribers(result)).toEqual({
        sms: { reason: "off-by-default", recipient: "grace", category: "comments" },
      });
    }
    await expect
      .poll(() => log("New comment on Task #77 (+14 more)"), { timeout: 10_000 })
      .toEqual(["email delivered"]);
    const email = demoState.deliveries.find((d) => d.title === "New comment on Task #77 (+14 more)");
    expect(email).toMatchObject({
      subscriber: "email",
      events: 15,
      detail: expect.stringMatching(/^1 email carrying 15 events/),
    });
    await expect.poll(() => log("New comment on Task #77").length, { timeout: 10_000 }).toBe(15);
    const { items } = await feed.list("grace", { category: "comments" });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ count: 15, actorCount: 15, groupKey: "task-77", category: "comments" });
    // The five most recent of them (in the order the deliveries arrived), all told apart by id.
    const names = items[0]!.actors.map((a) => a.name);
    expect(new Set(names).size).toBe(5);
    for (const name of names) expect(comments.map((c) => c.actor)).toContain(name);
    // Give a stray email the time to show up before saying there is only the one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      demoState.deliveries.filter(
        (d) => d.subscriber === "email" && d.title.startsWith("New comment on Task #77"),
      ),
    ).toHaveLength(1);
  }, 30_000);

  it("sends nothing to a subscriber the user muted, and a critical category anyway", async () => {
    await notify.preferences.set("grace", { mentions: { email: false, sms: false } });
    const sent = await notify.publish({
      userId: "grace",
      title: "Grace was mentioned",
      message: "",
      category: "mentions",
    });
    expect(Object.keys(sent)).toEqual(["inApp"]);
    expect(skippedSubscribers(sent)).toMatchObject({ email: { reason: "muted" }, sms: { reason: "muted" } });
    await expect.poll(() => log("Grace was mentioned"), { timeout: 5_000 }).toEqual(["inApp delivered"]);
    await expect(notify.preferences.set("grace", { security: { sms: false } })).rejects.toThrow(/critical/);
    const alert = await notify.publish({
      userId: "grace",
      title: "New sign-in",
      message: "",
      category: "security",
    });
    expect(Object.keys(alert).sort()).toEqual(["email", "inApp", "sms"]);
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
