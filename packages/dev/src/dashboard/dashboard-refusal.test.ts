import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../start-dev-server";

// The attacks a web page could try on the dashboard's API, over real HTTP. A browser would add
// these headers itself; here they are spelled out, as an attacker's page makes the browser send them.
let dev: DevServer;
let origin: string;
beforeEach(async () => {
  dev = await startDevServer({ port: 0, quiet: true });
  origin = dev.url;
});
afterEach(() => dev.close());

const DASH = { "X-Switchboard-Dashboard": "1" };

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${dev.url}${path}`, init);
  return { status: response.status, text: await response.text() };
}

describe("the dashboard's API refuses anything but its own page", () => {
  it("answers its own page: same origin, with the dashboard header", async () => {
    const answer = await call("/dashboard/api/overview", {
      headers: { ...DASH, "Sec-Fetch-Site": "same-origin" },
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ messages: [], deadLetters: [] });
  });

  it("refuses a cross-site fetch with an Origin", async () => {
    const answer = await call("/dashboard/api/v2/dlq/retry", {
      method: "POST",
      headers: { ...DASH, Origin: "https://attacker.example", "Sec-Fetch-Site": "cross-site" },
    });
    expect(answer.status).toBe(403);
  });

  it("refuses a cross-site request without an Origin (Sec-Fetch-Site only)", async () => {
    const answer = await call("/dashboard/api/overview", {
      headers: { ...DASH, "Sec-Fetch-Site": "cross-site" },
    });
    expect(answer.status).toBe(403);
  });

  it("refuses a same-site page (another port on localhost)", async () => {
    const answer = await call("/dashboard/api/overview", {
      headers: { ...DASH, Origin: "http://127.0.0.1:3000", "Sec-Fetch-Site": "same-site" },
    });
    expect(answer.status).toBe(403);
  });

  it("refuses a text/plain form POST, which carries no custom header", async () => {
    const answer = await call("/dashboard/api/v2/publish/http://127.0.0.1:1/?job=x", {
      method: "POST",
      headers: { "Content-Type": "text/plain", Origin: origin, "Sec-Fetch-Site": "same-origin" },
      body: "{}",
    });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("X-Switchboard-Dashboard".toLowerCase());
  });

  it("refuses a navigation or link (Sec-Fetch-Site: none) without the header", async () => {
    const answer = await call("/dashboard/api/overview", { headers: { "Sec-Fetch-Site": "none" } });
    expect(answer.status).toBe(403);
  });

  it("refuses a page --allow-origin admits to the QStash API, and approves no preflight for it", async () => {
    const allowed = "http://localhost:3000";
    await dev.close();
    dev = await startDevServer({ port: 0, quiet: true, allowOrigins: [allowed] });
    const answer = await call("/dashboard/api/overview", {
      headers: { ...DASH, Origin: allowed, "Sec-Fetch-Site": "same-site" },
    });
    expect(answer.status).toBe(403);
    const preflight = await fetch(`${dev.url}/dashboard/api/overview`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://attacker.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-switchboard-dashboard",
      },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a DNS-rebinding Host, for the page and its API", async () => {
    const rebound = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${dev.url}${path}`,
          { headers: { ...DASH, Host: "attacker.example:8080" } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
    expect(await rebound("/")).toBe(403);
    expect(await rebound("/dashboard/api/overview")).toBe(403);
  });

  it("asks for the token when the credentials are secret", async () => {
    await dev.close();
    dev = await startDevServer({ port: 0, quiet: true, randomCredentials: true });
    const headers = { ...DASH, "Sec-Fetch-Site": "same-origin" };
    const without = await call("/dashboard/api/overview", { headers });
    expect(without.status).toBe(401);
    expect(without.text).toContain("TOKEN_REQUIRED");
    const wrong = await call("/dashboard/api/v2/dlq", {
      headers: { ...headers, Authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);
    const right = await call("/dashboard/api/overview", {
      headers: { ...headers, Authorization: `Bearer ${dev.token}` },
    });
    expect(right.status).toBe(200);
  });

  it("serves the page itself to anyone on a loopback Host, unframeable and loading nothing from elsewhere", async () => {
    const page = await fetch(`${dev.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).not.toContain(dev.token);
    expect(html).not.toMatch(/https?:\/\//);
    const script = await (await fetch(`${dev.url}/dashboard/app.js`)).text();
    expect(script).not.toContain(dev.token);
  });

  it("leaves the QStash API as it was: the token is still needed there", async () => {
    const answer = await call("/v2/dlq", { headers: DASH });
    expect(answer.status).toBe(401);
  });
});
