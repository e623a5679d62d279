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

// The email digest collects a user's events for 6 s here (10 s in the demo): long enough that a
// burst of 15 publishes lands in one window on a loaded machine, short enough for a test.
process.env.DIGEST_WINDOW = "6s";

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
  // One context, as one browser profile: its tabs share the feed's stream.
  const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
  page = await context.newPage();
  await page.goto(demo.url);
  await page.locator(".dot.live").waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

const badge = (on = page) => on.getByTestId("unseen-badge");
const unread = (on = page) => on.getByTestId("unread-count");
const feedItems = (on = page) => on.getByTestId("feed-item");
const bell = (on = page) => on.getByRole("button", { name: /^Notifications/ });
const deliveries = () => page.getByTestId("delivery");

async function setBell(open: boolean, on = page) {
  if ((await bell(on).getAttribute("aria-expanded")) !== String(open)) await bell(on).click();
}

interface Fire {
  channels: ("email" | "sms" | "inApp")[];
  category?: string;
  groupKey?: string;
  actor?: string;
  repeat?: number;
}

async function fire(
  title: string,
  { channels, category = "updates", groupKey = "", actor = "Grace", repeat = 1 }: Fire,
) {
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Category").selectOption(category);
  await page.getByLabel("Group key").fill(groupKey);
  await page.getByLabel("Actor", { exact: true }).fill(actor);
  await page.getByLabel("How many").fill(String(repeat));
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
async function whenLive(navigation: Promise<unknown>, on = page) {
  await navigation;
  await on.locator(".dot.live").waitFor({ timeout: 15_000 });
}

/** The answer to the feed action the page is about to send (so a reload cannot cut it off). */
function action(name: string, on = page) {
  return on.waitForResponse(
    (r) =>
      r.url().endsWith("/api/notifications") &&
      r.request().method() === "POST" &&
      r.request().postData()?.includes(`"action":"${name}"`) === true &&
      r.status() === 200,
  );
}

/** The feed streams the server has open now, per user (counted by the feed route itself). */
async function openStreams(user = "ada"): Promise<number> {
  const response = await page.request.get(`${demo.url}/api/deliveries`);
  return ((await response.json()) as { openStreams: Record<string, number> }).openStreams[user] ?? 0;
}

describe("StaffNotify in a real browser", () => {
  it("shows a fired event in the live feed and bumps the unseen badge", async () => {
    expect(await badge().textContent()).toBe("0");
    await fire("Deploy finished", { channels: ["email", "sms", "inApp"] });
    await expect.poll(() => badge().textContent(), { timeout: 10_000 }).toBe("1");
    await setBell(true);
    await expect
      .poll(() => feedItems().first().textContent(), { timeout: 10_000 })
      .toContain("Deploy finished");
    // Each subscriber was delivered on its own; email once its digest window closed.
    for (const subscriber of ["email", "sms", "inApp"]) {
      await expect
        .poll(
          () =>
            deliveries()
              .filter({ hasText: "Deploy finished" })
              .filter({ hasText: subscriber })
              .filter({ hasText: "delivered" })
              .count(),
          { timeout: 20_000 },
        )
        .toBe(1);
    }
  });

  it("clears the badge when the bell opens, keeps the item unread until it is clicked, and keeps the history across a reload", async () => {
    // The bell is open: what it shows is seen, not read.
    await expect.poll(() => badge().textContent()).toBe("0");
    expect(await unread().textContent()).toBe("1");
    expect(await feedItems().first().getAttribute("class")).toBe("unread");
    await Promise.all([action("read"), feedItems().first().locator("button.open").click()]);
    await expect.poll(() => unread().textContent()).toBe("0");
    expect(await feedItems().first().getAttribute("class")).toBe("read");
    await whenLive(page.reload());
    await setBell(true);
    await expect.poll(() => feedItems().first().textContent()).toContain("Deploy finished");
    expect(await feedItems().first().getAttribute("class")).toBe("read");
    expect(await badge().textContent()).toBe("0");
    await setBell(false);
  });

  it("pages through the history with load more", async () => {
    for (let i = 1; i <= 11; i++) {
      const sent = await page.request.post(`${demo.url}/api/events`, {
        data: { title: `Build #${i} passed`, message: "All checks green.", channels: ["inApp"] },
      });
      expect(sent.status()).toBe(200);
    }
    // The bell is closed: they are unseen.
    await expect.poll(() => badge().textContent(), { timeout: 15_000 }).toBe("11");
    await whenLive(page.reload());
    expect(await badge().textContent()).toBe("11");
    await setBell(true);
    await expect.poll(() => feedItems().count()).toBe(10); // the first page
    expect(await feedItems().first().textContent()).toContain("Build #11 passed");
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => feedItems().count()).toBe(12);
    expect(await feedItems().last().textContent()).toContain("Deploy finished");
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    await expect.poll(() => badge().textContent()).toBe("0");
    expect(await unread().textContent()).toBe("11");
  });

  it("shows each signed-in user their own feed, from the session cookie", async () => {
    await whenLive(
      Promise.all([page.waitForEvent("load"), page.getByLabel("Signed in as").selectOption("grace")]),
    );
    await setBell(true);
    expect(await feedItems().count()).toBe(0);
    expect(await unread().textContent()).toBe("0");
    await whenLive(
      Promise.all([page.waitForEvent("load"), page.getByLabel("Signed in as").selectOption("ada")]),
    );
    await expect.poll(() => unread().textContent()).toBe("11");
    await setBell(true);
  });

  it("collapses events with the same group key into one item with a count", async () => {
    await fire("New comment on Task #234", { channels: ["inApp"], groupKey: "task-234" });
    await fire("2 new comments on Task #234", { channels: ["inApp"], groupKey: "task-234" });
    const grouped = feedItems().filter({ hasText: "Task #234" });
    await expect.poll(() => grouped.first().textContent(), { timeout: 10_000 }).toContain("2 new comments");
    expect(await grouped.count()).toBe(1);
    expect(await grouped.locator(".count").textContent()).toBe("×2");
  });

  it("retries a broken SMS provider, then dead-letters it, without re-sending the email", async () => {
    await page.getByLabel("Break sms provider").check();
    await fire("Server on fire", { channels: ["email", "sms"] });
    const sms = deliveries().filter({ hasText: "Server on fire" }).filter({ hasText: "sms" });
    await expect
      .poll(() => sms.filter({ hasText: "failed, will retry" }).count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    await expect.poll(() => sms.filter({ hasText: "dead letter" }).count(), { timeout: 20_000 }).toBe(1);
    const email = deliveries().filter({ hasText: "Server on fire" }).filter({ hasText: "email" });
    await expect.poll(() => email.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByTestId("totals-sms").textContent()).toContain("1 dead");
    await page.getByLabel("Break sms provider").uncheck();
  });

  it("mutes SMS in the preferences panel; critical categories stay locked", async () => {
    const smsForComments = page.getByLabel("comments by sms");
    // Off by default for comments; turned on, it is saved and survives a reload; then muted.
    await expect.poll(() => smsForComments.isChecked()).toBe(false);
    expect(await page.getByLabel("security by sms").isDisabled()).toBe(true);
    expect(await page.getByLabel("security by sms").isChecked()).toBe(true);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/preferences") && r.request().method() === "PATCH"),
      smsForComments.check(),
    ]);
    await whenLive(page.reload());
    await expect.poll(() => page.getByLabel("comments by sms").isChecked()).toBe(true);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/preferences") && r.request().method() === "PATCH"),
      page.getByLabel("comments by sms").uncheck(),
    ]);
    await whenLive(page.reload());
    await expect.poll(() => page.getByLabel("comments by sms").isChecked()).toBe(false);
    await setBell(true);
  });

  it("turns 15 comments from 15 people into one digest email, one feed item naming them, and no SMS", async () => {
    const title = "New comment on Task #512";
    await fire(title, {
      channels: ["email", "sms", "inApp"],
      category: "comments",
      groupKey: "task-512",
      repeat: 15,
    });
    // One feed item for the 15, naming the two most recent actors and counting the others.
    const grouped = feedItems().filter({ hasText: title });
    await expect.poll(() => grouped.locator(".count").textContent(), { timeout: 20_000 }).toBe("×15");
    expect(await grouped.count()).toBe(1);
    expect(await grouped.getByTestId("actors").textContent()).toMatch(/^[A-Z]\w+, [A-Z]\w+ and 13 others$/);
    // One email carrying all 15, once the digest window closed.
    const email = deliveries().filter({ hasText: title }).filter({ hasText: "email" });
    await expect.poll(() => email.count(), { timeout: 30_000 }).toBe(1);
    expect(await email.textContent()).toContain("delivered");
    expect(await email.getByTestId("delivery-events").textContent()).toBe("15");
    expect(await email.textContent()).toContain("1 email carrying 15 events");
    // SMS: nothing sent, the 15 recorded as skipped because the user muted it.
    const sms = deliveries().filter({ hasText: title }).filter({ hasText: "sms" });
    expect(await sms.count()).toBe(1);
    expect(await sms.textContent()).toContain("skipped");
    expect(await sms.textContent()).toContain("muted");
    expect(await sms.getByTestId("delivery-events").textContent()).toBe("15");
    // Room for a stray second email or an SMS to show up before saying there is none.
    await page.waitForTimeout(2_000);
    expect(await email.count()).toBe(1);
    expect(await sms.count()).toBe(1);
    mkdirSync(resolve(screenshot, ".."), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  it("archives an item out of the inbox", async () => {
    const before = Number(await page.getByTestId("archived-count").textContent());
    const grouped = feedItems().filter({ hasText: "New comment on Task #512" });
    await Promise.all([action("archive"), grouped.getByRole("button", { name: "Archive" }).click()]);
    await expect.poll(() => grouped.count()).toBe(0);
    await expect.poll(() => page.getByTestId("archived-count").textContent()).toBe(String(before + 1));
    await whenLive(page.reload());
    await setBell(true);
    await expect.poll(() => feedItems().count()).toBeGreaterThan(0);
    expect(await feedItems().filter({ hasText: "New comment on Task #512" }).count()).toBe(0);
  });

  it("shares one stream between two tabs of the same user, and a mark in one shows in the other", async () => {
    await expect.poll(() => openStreams(), { timeout: 10_000 }).toBe(1);
    const second = await page.context().newPage();
    await whenLive(second.goto(demo.url), second);
    await setBell(true, second);
    // Both tabs are live, on the one stream the first tab holds.
    await expect.poll(() => feedItems(second).count()).toBeGreaterThan(0);
    await page.waitForTimeout(1_000); // room for a second stream to be counted if there were one
    expect(await openStreams()).toBe(1);
    // A new event reaches both tabs.
    await fire("Both tabs see this", { channels: ["inApp"] });
    for (const tab of [page, second]) {
      await expect
        .poll(() => feedItems(tab).first().textContent(), { timeout: 10_000 })
        .toContain("Both tabs see this");
    }
    // Read in the second tab, shown read in the first; archived in the first, gone from the second.
    await feedItems(second).first().locator("button.open").click();
    await expect.poll(() => feedItems().first().getAttribute("class"), { timeout: 10_000 }).toBe("read");
    await feedItems().first().getByRole("button", { name: "Archive" }).click();
    await expect
      .poll(() => feedItems(second).filter({ hasText: "Both tabs see this" }).count(), { timeout: 10_000 })
      .toBe(0);
    // The tab holding the stream closes: the other takes it over, still one stream, still live.
    await page.close();
    page = second;
    await expect.poll(() => openStreams(), { timeout: 15_000 }).toBe(1);
    await fire("After the handover", { channels: ["inApp"] });
    await expect
      .poll(() => feedItems().first().textContent(), { timeout: 10_000 })
      .toContain("After the handover");
  });
});
