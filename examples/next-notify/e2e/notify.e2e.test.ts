import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, startDemo } from "../scripts/start-demo";

// The real thing: a production build of the app, `switchboard dev` delivering over HTTP, and
// Debian's Chromium (apt-get install chromium) driven by playwright-core.
const CHROMIUM = "/usr/bin/chromium";
const screenshot = resolve(import.meta.dirname, "../../../docs/images/next-notify.png");

let demo: Demo;
let browser: Browser;
let page: Page;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

beforeAll(async () => {
  demo = await startDemo({ port: await freePort(), qstashPort: await freePort(), verbose: false });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(demo.url);
  await page.locator(".dot.live").waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

const badge = () => page.getByTestId("unread-badge");
const feedItems = () => page.getByTestId("feed-item");

async function fire(title: string, channels: ("email" | "sms" | "inApp")[]) {
  await page.getByLabel("Title").fill(title);
  for (const channel of ["email", "sms", "inApp"] as const) {
    const box = page.locator(`input[name="channels"][value="${channel}"]`);
    if ((await box.isChecked()) !== channels.includes(channel)) await box.click();
  }
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/events")),
    page.getByRole("button", { name: "Fire event" }).click(),
  ]);
  expect(response.status()).toBe(200);
}

/** Reloads (or waits for a navigation the page started) until the feed's stream is open again. */
async function whenLive(navigation: Promise<unknown>) {
  await navigation;
  await page.locator(".dot.live").waitFor({ timeout: 15_000 });
}

describe("StaffNotify in a real browser", () => {
  it("shows a fired event in the live feed and bumps the unread badge", async () => {
    expect(await badge().textContent()).toBe("0");
    await fire("Deploy finished", ["email", "sms", "inApp"]);
    await expect
      .poll(() => feedItems().first().textContent(), { timeout: 10_000 })
      .toContain("Deploy finished");
    await expect.poll(() => badge().textContent()).toBe("1");
    // Each subscriber was delivered on its own.
    for (const subscriber of ["email", "sms", "inApp"]) {
      await expect
        .poll(
          () =>
            page
              .getByTestId("delivery")
              .filter({ hasText: subscriber })
              .filter({ hasText: "delivered" })
              .count(),
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0);
    }
  });

  it("marks an item read, and keeps the history across a reload", async () => {
    await feedItems().first().getByRole("button", { name: "Mark read" }).click();
    await expect.poll(() => badge().textContent()).toBe("0");
    await whenLive(page.reload());
    await expect.poll(() => feedItems().first().textContent()).toContain("Deploy finished");
    expect(await feedItems().first().getAttribute("class")).toBe("read");
    expect(await badge().textContent()).toBe("0");
  });

  it("pages through the history with load more", async () => {
    for (let i = 1; i <= 11; i++) {
      const sent = await page.request.post(`${demo.url}/api/events`, {
        data: { title: `Build #${i} passed`, message: "All checks green.", channels: ["inApp"] },
      });
      expect(sent.status()).toBe(200);
    }
    await expect
      .poll(() => feedItems().first().textContent(), { timeout: 15_000 })
      .toContain("Build #11 passed");
    await whenLive(page.reload());
    await expect.poll(() => feedItems().count()).toBe(10); // the first page
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => feedItems().count()).toBe(12);
    expect(await feedItems().last().textContent()).toContain("Deploy finished");
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    expect(await badge().textContent()).toBe("11");
  });

  it("shows each signed-in user their own feed, from the session cookie", async () => {
    await whenLive(
      Promise.all([page.waitForEvent("load"), page.getByLabel("Signed in as").selectOption("grace")]),
    );
    expect(await feedItems().count()).toBe(0);
    expect(await badge().textContent()).toBe("0");
    await whenLive(
      Promise.all([page.waitForEvent("load"), page.getByLabel("Signed in as").selectOption("ada")]),
    );
    expect(await badge().textContent()).toBe("11");
  });

  it("collapses events with the same group key into one item with a count", async () => {
    await page.getByLabel("Group key").fill("task-234");
    await fire("New comment on Task #234", ["inApp"]);
    await fire("2 new comments on Task #234", ["inApp"]);
    const grouped = feedItems().filter({ hasText: "Task #234" });
    await expect.poll(() => grouped.first().textContent(), { timeout: 10_000 }).toContain("2 new comments");
    expect(await grouped.count()).toBe(1);
    expect(await grouped.locator(".count").textContent()).toBe("×2");
    await page.getByLabel("Group key").fill("");
  });

  it("retries a broken SMS provider, then dead-letters it, without re-sending the email", async () => {
    await page.getByLabel("Break sms provider").check();
    await fire("Server on fire", ["email", "sms"]);
    const sms = page.getByTestId("delivery").filter({ hasText: "Server on fire" }).filter({ hasText: "sms" });
    await expect
      .poll(() => sms.filter({ hasText: "failed, will retry" }).count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    await expect.poll(() => sms.filter({ hasText: "dead letter" }).count(), { timeout: 20_000 }).toBe(1);
    const email = page
      .getByTestId("delivery")
      .filter({ hasText: "Server on fire" })
      .filter({ hasText: "email" });
    expect(await email.count()).toBe(1);
    await expect.poll(() => page.getByTestId("totals-sms").textContent()).toContain("1 dead");
    mkdirSync(resolve(screenshot, ".."), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.getByLabel("Break sms provider").uncheck();
  });
});
