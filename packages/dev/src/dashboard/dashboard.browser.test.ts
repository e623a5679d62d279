import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../start-dev-server";

// The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a real
// dev server delivering to a real route: a tiny sink that answers 200 for the job "welcome" and a
// Switchboard error for "charge" until it is told to heal.
const CHROMIUM = "/usr/bin/chromium";
/** Set to a path (docs/images/dev-dashboard.png) to refresh the screenshot in the docs. */
const SCREENSHOT = process.env.SWITCHBOARD_DASHBOARD_SCREENSHOT;

let dev: DevServer;
let sink: Server;
let route: string;
let browser: Browser;
let page: Page;
let healed = false;
const received: string[] = [];
let releaseSlow: () => void = () => undefined;
const slow = new Promise<void>((resolve) => {
  releaseSlow = resolve;
});

beforeAll(async () => {
  dev = await startDevServer({ port: 0, speed: 1000, quiet: true });
  sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://sink");
      received.push(url.search);
      const job = url.searchParams.get("job");
      if (job === "slow") return void slow.then(() => res.end("{}"));
      if ((job === "charge" && !healed) || job === "broken") {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            error: {
              code: "JOB_FAILED",
              message: "the card processor is down",
              fix: "check PAYMENTS_URL, then retry the dead letter",
            },
          }),
        );
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  route = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api/switchboard`;
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
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("dialog", (dialog) => void dialog.dismiss());
  await page.goto(dev.dashboardUrl);
  await page.locator("#live[data-state='live']").waitFor();
  // Set once: if the page reloaded, this would be gone.
  await page.evaluate(() => {
    (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
  });
});

afterAll(async () => {
  releaseSlow();
  await browser?.close();
  await dev?.close();
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
});

async function publish(query: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${dev.url}/v2/publish/${route}?${query}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${dev.token}`, "Content-Type": "application/json", ...headers },
    body,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { messageId: string }).messageId;
}

const row = (messageId: string) => page.locator(`#messages article[data-message-id="${messageId}"]`);

describe("the dashboard in a browser", () => {
  it("shows a delivered job, decoded, with its payload and attempt, without a reload", async () => {
    const id = await publish("job=welcome", JSON.stringify({ email: "ada@example.com", name: "Ada" }), {
      "Upstash-Label": "onboarding",
    });
    await row(id).and(page.locator("[data-state='delivered']")).waitFor();
    await row(id).locator(".summary").click();
    await expect.poll(() => row(id).locator(".target").textContent()).toBe("jobwelcome");
    const payload = await row(id).locator("pre.payload").textContent();
    expect(payload).toBe(JSON.stringify({ email: "ada@example.com", name: "Ada" }, null, 2));
    expect(await row(id).locator(".attempts tbody tr").count()).toBe(1);
    expect(await row(id).locator(".attempts .status").textContent()).toBe("200");
    expect(await row(id).locator("dl").textContent()).toContain("onboarding");
  });

  it("shows a channel's subscriber", async () => {
    const id = await publish("channel=orders&subscriber=sms", '{"orderId":"o_1"}');
    await row(id).waitFor();
    expect(await row(id).locator(".target").textContent()).toBe("channelorders → sms");
  });

  it("shows each failed attempt as the route's error, then the dead letter; retried from the page, it is delivered", async () => {
    const id = await publish("job=charge", '{"customerId":"c_1"}', { "Upstash-Retries": "1" });
    await row(id).and(page.locator("[data-state='failed']")).waitFor();
    await row(id).locator(".summary").click();
    const attempts = row(id).locator(".attempts tbody tr");
    await expect.poll(() => attempts.count()).toBe(2);
    for (const attempt of await attempts.all()) {
      expect(await attempt.locator(".status").textContent()).toBe("500");
      expect(await attempt.locator(".reason .code").textContent()).toBe("JOB_FAILED");
      expect(await attempt.locator(".reason .message").textContent()).toBe("the card processor is down");
      expect(await attempt.locator(".fix").textContent()).toBe(
        "Fix: check PAYMENTS_URL, then retry the dead letter",
      );
    }
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.locator("#tabs [data-tab='dead']").click();
    const dead = page.locator("#dead article.dead");
    await expect.poll(() => dead.count()).toBe(1);
    expect(await dead.locator(".died .reason .message").textContent()).toBe("the card processor is down");
    healed = true;
    await dead.getByRole("button", { name: "Retry", exact: true }).click();
    await expect.poll(() => dead.count()).toBe(0);

    await page.locator("#tabs [data-tab='messages']").click();
    await page.locator("#f-job").selectOption("charge");
    await page.locator("#f-state").selectOption("delivered");
    await page.locator("#messages article[data-state='delivered']").waitFor();
    expect(await page.locator("#messages article").count()).toBe(1);
    expect(received.filter((q) => q === "?job=charge")).toHaveLength(3);
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    await page.locator("#f-job").selectOption("");
    await page.locator("#f-state").selectOption("");
  });

  it("renders a hostile payload and job name as text", async () => {
    const hostile = "<img src=x onerror=window.pwned=1>";
    const id = await publish(`job=${encodeURIComponent(hostile)}`, JSON.stringify({ name: hostile }));
    await row(id).waitFor();
    await row(id).locator(".summary").click();
    expect(await row(id).locator(".target b").textContent()).toBe(hostile);
    expect(await row(id).locator("pre.payload").textContent()).toContain(hostile);
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it("finds a message by id", async () => {
    const id = await publish("job=welcome", "{}");
    await row(id).waitFor();
    await page.locator("#f-search").fill(id);
    await expect.poll(() => page.locator("#messages article").count()).toBe(1);
    await page.locator("#f-search").fill("");
  });

  it("sends a job from the page, refusing a payload that is not JSON", async () => {
    await page.locator("#tabs [data-tab='send']").click();
    expect(await page.locator("#send-route").inputValue()).toBe(route);
    await page.locator("#send-job").fill("welcome");
    await page.locator("#send-payload").fill("{ not json");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.locator("#send-error:not([hidden])").waitFor();
    expect(await page.locator("#send-error").textContent()).toMatch(/^The payload is not valid JSON/);
    await page.locator("#send-payload").fill('{"email":"grace@example.com"}');
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => page.locator("#send-result").textContent()).toMatch(/^Sent: msg_/);
    const id = (await page.locator("#send-result").textContent())!.slice("Sent: ".length);
    await page.locator("#tabs [data-tab='messages']").click();
    await row(id).and(page.locator("[data-state='delivered']")).waitFor();
  });

  it("runs, pauses and deletes a schedule", async () => {
    const created = await fetch(`${dev.url}/v2/schedules/${route}?job=digest`, {
      method: "POST",
      headers: { Authorization: `Bearer ${dev.token}`, "Upstash-Cron": "0 9 * * *" },
    });
    expect(created.status).toBe(201);
    await page.locator("#tabs [data-tab='schedules']").click();
    const schedule = page.locator("#schedules tr[data-schedule-id]");
    await schedule.waitFor();
    expect(await schedule.locator(".target").textContent()).toBe("jobdigest");
    await schedule.getByRole("button", { name: "Run now", exact: true }).click();
    await expect.poll(() => received.filter((q) => q === "?job=digest").length).toBe(1);
    await schedule.getByRole("button", { name: "Pause", exact: true }).click();
    await schedule.getByRole("button", { name: "Resume", exact: true }).waitFor();
    await schedule.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => schedule.count()).toBe(0);
  });
  it("shows an attempt in flight, then its outcome", async () => {
    await page.locator("#tabs [data-tab='messages']").click();
    const id = await publish("job=slow", "{}");
    await row(id).and(page.locator("[data-state='delivering']")).waitFor();
    releaseSlow();
    await row(id).and(page.locator("[data-state='delivered']")).waitFor();
  });

  it("retries or deletes many dead letters at once", async () => {
    await page.locator("#tabs [data-tab='dead']").click();
    for (let i = 0; i < 3; i++) await publish("job=broken", `{"n":${i}}`, { "Upstash-Retries": "0" });
    const dead = page.locator("#dead article.dead");
    await expect.poll(() => dead.count()).toBe(3);
    await dead.nth(0).getByRole("checkbox").check();
    await dead.nth(1).getByRole("checkbox").check();
    await page.getByRole("button", { name: "Retry selected", exact: true }).click();
    // Retried, they fail again: three dead letters again, two of them new.
    await expect.poll(() => received.filter((q) => q === "?job=broken").length).toBe(5);
    await expect.poll(() => dead.count()).toBe(3);
    await page.locator("#dead-all").check();
    await page.getByRole("button", { name: "Delete selected", exact: true }).click();
    await expect.poll(() => dead.count()).toBe(0);
    expect(await page.locator("#dead").textContent()).toBe("No dead letters.");
  });

  it("shows queues and flow-control keys with their lag, and pauses a queue", async () => {
    const enqueued = await fetch(`${dev.url}/v2/enqueue/emails/${route}?job=welcome`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${dev.token}`,
        "Upstash-Flow-Control-Key": "smtp",
        "Upstash-Flow-Control-Value": "parallelism=1",
      },
      body: "{}",
    });
    expect(enqueued.status).toBe(201);
    await page.locator("#tabs [data-tab='queues']").click();
    const queue = page.locator("#queues tbody tr", { hasText: "emails" });
    await queue.waitFor();
    await page.locator("#flow tbody tr", { hasText: "smtp" }).waitFor();
    await queue.getByRole("button", { name: "Pause", exact: true }).click();
    await queue.getByRole("button", { name: "Resume", exact: true }).waitFor();
    expect(await queue.textContent()).toContain("paused");
    // Paused, the queue holds the next message: its lag shows it.
    await fetch(`${dev.url}/v2/enqueue/emails/${route}?job=welcome`, {
      method: "POST",
      headers: { Authorization: `Bearer ${dev.token}` },
      body: "{}",
    });
    await expect.poll(() => queue.locator("td").nth(1).textContent()).toBe("1");
    await queue.getByRole("button", { name: "Resume", exact: true }).click();
    await expect.poll(() => queue.locator("td").nth(1).textContent()).toBe("0");
  });
});

describe("the dashboard with a secret token", () => {
  it("asks for the token before it shows anything, and keeps it for the tab", async () => {
    const secret = await startDevServer({ port: 0, speed: 1000, quiet: true, randomCredentials: true });
    const tab = await browser.newPage();
    try {
      await tab.goto(secret.dashboardUrl);
      await tab.locator("#token-form:not([hidden])").waitFor();
      expect(await tab.locator("#messages").textContent()).toBe("");
      await tab.locator("#token").fill(secret.token);
      await tab.getByRole("button", { name: "Use", exact: true }).click();
      await tab.locator("#messages p.muted").waitFor();
      await tab.locator("#live[data-state='live']").waitFor();
      expect(await tab.locator("#token-form").isHidden()).toBe(true);
      const html = await tab.content();
      expect(html).not.toContain(secret.token);
    } finally {
      await tab.close();
      await secret.close();
    }
  });
});
