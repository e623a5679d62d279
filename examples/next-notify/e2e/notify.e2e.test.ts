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
  await page.getByRole("button", { name: "Fire event" }).click();
  await expect.poll(() => page.getByRole("status").textContent()).toMatch(/Published to/);
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
    await page.reload();
    await page.locator(".dot.live").waitFor({ timeout: 15_000 });
    await expect.poll(() => feedItems().first().textContent()).toContain("Deploy finished");
    expect(await feedItems().first().getAttribute("class")).toBe("read");
    expect(await badge().textContent()).toBe("0");
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
    mkdirSync(resolve(screenshot, ".."), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.getByLabel("Break sms provider").uncheck();
  });
});
