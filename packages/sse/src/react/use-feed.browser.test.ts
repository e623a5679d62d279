import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { toNodeHandler } from "@switchboard/core/express";
import { build } from "esbuild";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feed } from "../../test/react-page/feed";
import { condition } from "../../test/until";

// The real thing: the page (useFeed in React 19) bundled by esbuild, served with the feed's
// route by node:http, in two tabs of Debian's Chromium driven by playwright-core.
const CHROMIUM = "/usr/bin/chromium";

let server: Server;
let base: string;
let browser: Browser;

/** Stream requests the server holds open now, and those waiting at the gate. */
const streams = { open: 0, waiting: 0, urls: [] as string[] };
const changed = condition();
let gate: Promise<void> | undefined;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [resolve(import.meta.dirname, "../../test/react-page/app.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"development"' },
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]!.text;
  // The signed-in user, as an app's auth would read it: from a cookie (each case has its own).
  const handler = feed.handler({
    recipient: (request) => /(?:^|; )user=(\w+)/.exec(request.headers.get("cookie") ?? "")?.[1],
    retryMs: 100,
  });
  const route = toNodeHandler(async (request: Request) => {
    const isStream = request.method === "GET" && !new URL(request.url).searchParams.has("view");
    if (!isStream || !gate) return handler(request);
    // Held: the headers go out at once (the browser sees an open stream), the feed's stream
    // starts (reads where to resume from) only when the test opens the gate.
    const held = gate;
    streams.waiting++;
    changed.changed();
    const body = new TransformStream<Uint8Array, Uint8Array>();
    void held.then(async () => {
      streams.waiting--;
      changed.changed();
      const response = await handler(request);
      await response.body?.pipeTo(body.writable).catch(() => {});
    });
    return new Response(body.readable, { headers: { "Content-Type": "text/event-stream; charset=utf-8" } });
  });
  server = createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      return res.end(
        '<!doctype html><title>feed</title><div id="root"></div><script type="module" src="/app.js"></script>',
      );
    }
    if (req.url === "/app.js") {
      res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8" });
      return res.end(script);
    }
    if (req.url?.startsWith("/api/feed")) {
      const isStream = req.method === "GET" && !req.url.includes("view=");
      if (isStream) {
        streams.urls.push(req.url);
        streams.open++;
        changed.changed();
        res.on("close", () => {
          streams.open--;
          changed.changed();
        });
      }
      return route(req, res);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
});

async function openTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error));
  await page.goto(base);
  await page
    .getByTestId("status")
    .filter({ hasText: /^open$/ })
    .waitFor({ timeout: 15_000 });
  return page;
}

const titles = (page: Page) => page.getByTestId("item").locator("span").allTextContents();

describe.each([
  { election: "Web Locks", locks: true },
  { election: "heartbeats over BroadcastChannel (no Web Locks)", locks: false },
])("useFeed in two tabs of a real browser, elected by $election", ({ locks }) => {
  it("shares one stream, shows pushes and marks in both, and hands the stream over without a gap", async () => {
    const recipient = locks ? "locks" : "heartbeats";
    const context = await browser.newContext();
    await context.addCookies([{ name: "user", value: recipient, url: base }]);
    if (!locks)
      await context.addInitScript(() =>
        Object.defineProperty(Navigator.prototype, "locks", { value: undefined }),
      );
    streams.urls = [];
    const a = await openTab(context);
    const b = await openTab(context);
    expect(await a.evaluate(() => typeof navigator.locks)).toBe(locks ? "object" : "undefined");
    expect(streams.open).toBe(1);
    expect(feed.openStreams).toBe(1);

    await feed.push(recipient, { title: "first" });
    await expect.poll(() => titles(a)).toEqual(["first"]);
    await expect.poll(() => titles(b)).toEqual(["first"]);
    await expect.poll(() => b.getByTestId("unseen").textContent()).toBe("1");

    // Mark read in A: the server's `state` event, through the leader, updates B at once.
    await a.getByTestId("item").getByRole("button", { name: "read" }).click();
    await expect.poll(() => b.getByTestId("item").getAttribute("data-read")).toBe("true");
    await expect.poll(() => b.getByTestId("unread").textContent()).toBe("0");

    // A (the leader: it opened first) closes. B's stream request is held at the gate while
    // "second" is pushed, so it can only get it by resuming after the last event it heard.
    let release = () => {};
    gate = new Promise((done) => {
      release = done;
    });
    await a.close();
    // A's stream closed, B's (the one open stream) held.
    await changed.until(() => streams.open === 1 && streams.waiting === 1);
    await feed.push(recipient, { title: "second" });
    gate = undefined;
    release();
    await changed.until(() => streams.waiting === 0);
    await expect.poll(() => titles(b)).toEqual(["second", "first"]);
    // One stream per tab that led: A's from its page's newest id, B's after the last event A passed on.
    expect(streams.urls).toEqual([
      "/api/feed?lastEventId=0",
      expect.stringMatching(/^\/api\/feed\?lastEventId=[0-9a-z]+%3A1$/),
    ]);
    await b
      .getByTestId("status")
      .filter({ hasText: /^open$/ })
      .waitFor();
    expect(feed.openStreams).toBe(1);
    expect(await b.getByTestId("error").textContent()).toBe("");
    await b.close();
    await changed.until(() => streams.open === 0);
    await context.close();
  });
});
