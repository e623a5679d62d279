import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { Client } from "@upstash/qstash";
import { Redis } from "@upstash/redis";
import { Redis as RedisConnection } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../start-dev-server";
import { startTestSink, type TestSink } from "../testing/test-sink";
import { DEFAULT_SIGNING_KEYS, DEFAULT_TOKEN } from "../wire/defaults";
import { createRequestGuard, requestRefusal } from "./request-guard";

// The attacks a web page can make on a developer's `switchboard dev`, sent over real HTTP as a
// browser would send them (node:http, so Host, Origin and Sec-Fetch-Site are set exactly).
// Needs the real Redis at 127.0.0.1:6379: startDevServer rejects (and these tests fail) without it.
const REDIS_URL = "redis://127.0.0.1:6379";
const EVIL = "https://evil.example";
const prefix = `sbtest:${randomUUID()}:`;
const bearer = { Authorization: `Bearer ${DEFAULT_TOKEN}` };
const queryToken = encodeURIComponent(DEFAULT_TOKEN);
/** What a cross-site page's fetch, form or EventSource carries. */
const fromEvilPage = { Origin: EVIL, "Sec-Fetch-Site": "cross-site" };

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request exactly as given (Host included), read to the end. */
function send(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port,
        path,
        method: init.method ?? "GET",
        headers: init.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        // An SSE stream that was (wrongly) opened never ends: take what came and hang up.
        if (String(res.headers["content-type"]).startsWith("text/event-stream")) {
          res.once("data", (chunk: Buffer) => {
            res.destroy();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: String(chunk) });
          });
          return;
        }
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

const errorOf = (answer: RawAnswer) => (JSON.parse(answer.body) as { error: string }).error;

describe("by default, a web page cannot drive switchboard dev", () => {
  let dev: DevServer;
  let sink: TestSink;
  let direct: RedisConnection;
  const port = () => new URL(dev.url).port;
  const redisPort = () => new URL(dev.redisRestUrl!).port;
  /** Every event the server recorded: an attack that got through would leave a CREATED one. */
  const events = async () =>
    ((await (await fetch(`${dev.url}/v2/events`, { headers: bearer })).json()) as { events: unknown[] })
      .events;

  beforeAll(async () => {
    dev = await startDevServer({ port: 0, quiet: true, redisUrl: REDIS_URL, redisPort: 0 });
    sink = await startTestSink(dev.signingKeys);
    direct = new RedisConnection(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
    direct.disconnect();
    await dev.close();
    await sink.close();
  });

  it("refuses ?qstash_token=, so a form POST to /v2/batch publishes nothing", async () => {
    const batch = JSON.stringify([{ destination: `${sink.url}/job`, body: "attacker data" }]);
    // A <form enctype="text/plain"> from an old browser: no Origin, no Sec-Fetch-Site.
    const form = await send(dev.url, `/v2/batch?qstash_token=${queryToken}`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: batch,
    });
    expect(form.status).toBe(401);
    expect(errorOf(form)).toMatch(/query string.*Authorization: Bearer.*--allow-query-token/);
    // The same from a current browser: refused before the token is even looked at.
    const page = await send(dev.url, `/v2/batch?qstash_token=${queryToken}`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", ...fromEvilPage },
      body: batch,
    });
    expect(page.status).toBe(403);
    expect(await events()).toEqual([]);
    expect(sink.received).toEqual([]);
  });

  it("refuses ?qstash_token= on GET /v2/keys, which would hand out the signing keys", async () => {
    const keys = await send(dev.url, `/v2/keys?qstash_token=${queryToken}`);
    expect(keys.status).toBe(401);
    expect(errorOf(keys)).toMatch(/--allow-query-token/);
    expect(keys.body).not.toContain(DEFAULT_SIGNING_KEYS.current);
    // Without any token, as any simple cross-site GET would come, it answers nothing either.
    expect((await send(dev.url, "/v2/keys")).status).toBe(401);
  });

  it("refuses a cross-site Origin even with the right token, and says how to opt in", async () => {
    const publish = await send(dev.url, `/v2/publish/${sink.url}/job`, {
      method: "POST",
      headers: { ...bearer, Origin: EVIL, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(publish.status).toBe(403);
    expect(errorOf(publish)).toMatch(
      /Origin https:\/\/evil\.example.*no Origin.*--allow-origin https:\/\/evil\.example/,
    );
    expect(publish.headers["access-control-allow-origin"]).toBeUndefined();
    for (const origin of ["null", "http://localhost:3000", `http://127.0.0.1:${Number(port()) + 1}`]) {
      const keys = await send(dev.url, "/v2/keys", { headers: { ...bearer, Origin: origin } });
      expect(keys.status, origin).toBe(403);
    }
    expect(await events()).toEqual([]);
  });

  it("refuses Sec-Fetch-Site cross-site and same-site, with or without an Origin", async () => {
    for (const site of ["cross-site", "same-site"]) {
      const keys = await send(dev.url, "/v2/keys", { headers: { ...bearer, "Sec-Fetch-Site": site } });
      expect(keys.status, site).toBe(403);
      expect(errorOf(keys)).toMatch(new RegExp(`Sec-Fetch-Site: ${site}.*--allow-origin`));
    }
    for (const site of ["same-origin", "none"]) {
      const keys = await send(dev.url, "/v2/keys", { headers: { ...bearer, "Sec-Fetch-Site": site } });
      expect(keys.status, site).toBe(200);
    }
  });

  it("refuses a Host that is not a loopback name, as a DNS-rebinding page would send", async () => {
    for (const host of [`attacker.example:${port()}`, "attacker.example", "127.0.0.1.nip.io"]) {
      const keys = await send(dev.url, "/v2/keys", { headers: { ...bearer, Host: host } });
      expect(keys.status, host).toBe(403);
      expect(errorOf(keys)).toMatch(/Host .*DNS rebinding.*--allow-host/);
    }
    for (const host of [
      `127.0.0.1:${port()}`,
      "127.0.0.1",
      `localhost:${port()}`,
      "LOCALHOST",
      `[::1]:${port()}`,
    ]) {
      const keys = await send(dev.url, "/v2/keys", { headers: { ...bearer, Host: host } });
      expect(keys.status, host).toBe(200);
    }
  });

  it("keeps answering server-side clients (no Origin) and its own origin", async () => {
    const client = new Client({ baseUrl: dev.url, token: dev.token, retry: false });
    await client.publishJSON({ url: `${sink.url}/server-side`, body: { ok: true } });
    await sink.waitFor(1);
    const own = await send(dev.url, "/v2/keys", {
      headers: { ...bearer, Origin: dev.url, "Sec-Fetch-Site": "same-origin" },
    });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toEqual(DEFAULT_SIGNING_KEYS);
    const redis = new Redis({ url: dev.redisRestUrl!, token: dev.token });
    await redis.set(`${prefix}server-side`, "fine");
    expect(await redis.get(`${prefix}server-side`)).toBe("fine");
  });

  it("refuses ?_token= on Redis REST: a text/plain POST and the GET path form write nothing", async () => {
    const post = await send(dev.redisRestUrl!, `/?_token=${queryToken}`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify(["SET", `${prefix}posted`, "pwned"]),
    });
    expect(post.status).toBe(401);
    expect(errorOf(post)).toMatch(/query string.*Authorization: Bearer.*--allow-query-token/);
    const path = await send(dev.redisRestUrl!, `/set/${prefix}img/pwned?_token=${queryToken}`);
    expect(path.status).toBe(401);
    expect(await direct.get(`${prefix}posted`)).toBeNull();
    expect(await direct.get(`${prefix}img`)).toBeNull();
  });

  it("refuses Redis REST requests from another site's page, token or not", async () => {
    const fetchFromPage = await send(dev.redisRestUrl!, "/", {
      method: "POST",
      headers: { ...bearer, ...fromEvilPage, "Content-Type": "application/json" },
      body: JSON.stringify(["SET", `${prefix}fetched`, "pwned"]),
    });
    expect(fetchFromPage.status).toBe(403);
    expect(errorOf(fetchFromPage)).toMatch(/--allow-origin/);
    const pipeline = await send(dev.redisRestUrl!, "/pipeline", {
      method: "POST",
      headers: { ...bearer, "Sec-Fetch-Site": "same-site" },
      body: JSON.stringify([["SET", `${prefix}fetched`, "pwned"]]),
    });
    expect(pipeline.status).toBe(403);
    expect(await direct.get(`${prefix}fetched`)).toBeNull();
  });

  it("refuses an EventSource on /subscribe from another page, and a query token there", async () => {
    const eventSource = await send(dev.redisRestUrl!, `/subscribe/${prefix}chan?_token=${queryToken}`, {
      headers: { Accept: "text/event-stream", ...fromEvilPage },
    });
    expect(eventSource.status).toBe(403);
    const noOrigin = await send(dev.redisRestUrl!, `/subscribe/${prefix}chan?_token=${queryToken}`, {
      headers: { Accept: "text/event-stream" },
    });
    expect(noOrigin.status).toBe(401);
    expect(errorOf(noOrigin)).toMatch(/--allow-query-token/);
  });

  it("refuses a non-loopback Host on Redis REST", async () => {
    const rebound = await send(dev.redisRestUrl!, "/", {
      method: "POST",
      headers: { ...bearer, Host: `attacker.example:${redisPort()}` },
      body: JSON.stringify(["SET", `${prefix}rebound`, "pwned"]),
    });
    expect(rebound.status).toBe(403);
    expect(errorOf(rebound)).toMatch(/--allow-host attacker\.example/);
    expect(await direct.get(`${prefix}rebound`)).toBeNull();
  });
});

describe("the opt-ins", () => {
  let dev: DevServer;
  let direct: RedisConnection;
  const app = "http://localhost:3000";

  beforeAll(async () => {
    dev = await startDevServer({
      port: 0,
      quiet: true,
      redisUrl: REDIS_URL,
      redisPort: 0,
      allowQueryToken: true,
      allowOrigins: [`${app}/`],
      allowHosts: ["switchboard"],
    });
    direct = new RedisConnection(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
    direct.disconnect();
    await dev.close();
  });

  it("allowQueryToken takes ?qstash_token= and ?_token=, but never from another site's page", async () => {
    const keys = await send(dev.url, `/v2/keys?qstash_token=${queryToken}`);
    expect(keys.status).toBe(200);
    const set = await send(dev.redisRestUrl!, `/set/${prefix}q/yes?_token=${queryToken}`);
    expect(set.status).toBe(200);
    expect(await direct.get(`${prefix}q`)).toBe("yes");
    const page = await send(dev.url, `/v2/keys?qstash_token=${queryToken}`, { headers: fromEvilPage });
    expect(page.status).toBe(403);
    // On publish the query string is the destination's, so it is never read as a token.
    const publish = await send(dev.url, `/v2/publish/http://127.0.0.1:1/x?qstash_token=${queryToken}`, {
      method: "POST",
    });
    expect(publish.status).toBe(401);
  });

  it("allowOrigins lets that page in, with CORS headers and an answered preflight", async () => {
    const preflight = await send(dev.redisRestUrl!, "/", {
      method: "OPTIONS",
      headers: {
        Origin: app,
        "Sec-Fetch-Site": "same-site",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,upstash-encoding",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      "access-control-allow-origin": app,
      "access-control-allow-headers": "authorization,content-type,upstash-encoding",
    });
    expect(preflight.headers["access-control-allow-methods"]).toMatch(/POST/);
    const keys = await send(dev.url, "/v2/keys", {
      headers: { ...bearer, Origin: app, "Sec-Fetch-Site": "same-site" },
    });
    expect(keys.status).toBe(200);
    expect(keys.headers["access-control-allow-origin"]).toBe(app);
    expect(keys.headers.vary).toMatch(/Origin/);
    const other = await send(dev.url, "/v2/keys", { headers: { ...bearer, ...fromEvilPage } });
    expect(other.status).toBe(403);
    // A preflight from a page not allowed gets nothing that would let the browser go on.
    const evilPreflight = await send(dev.url, "/v2/keys", {
      method: "OPTIONS",
      headers: { Origin: EVIL, "Access-Control-Request-Method": "GET" },
    });
    expect(evilPreflight.status).toBe(403);
    expect(evilPreflight.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("allowHosts answers those names and still refuses others", async () => {
    const port = new URL(dev.url).port;
    expect(
      (await send(dev.url, "/v2/keys", { headers: { ...bearer, Host: `switchboard:${port}` } })).status,
    ).toBe(200);
    expect(
      (await send(dev.url, "/v2/keys", { headers: { ...bearer, Host: `attacker.example:${port}` } })).status,
    ).toBe(403);
  });
});

describe("requestRefusal", () => {
  it("on a loopback bind, takes only loopback Hosts and the names allowed", () => {
    const guard = createRequestGuard({ host: "127.0.0.1", allowHosts: ["Host.Docker.Internal:8080"] });
    expect(requestRefusal(guard, { host: "127.0.0.1:8080" })).toBeUndefined();
    expect(requestRefusal(guard, { host: "host.docker.internal:8080" })).toBeUndefined();
    expect(requestRefusal(guard, { host: "192.168.1.5:8080" })).toMatch(/--allow-host 192\.168\.1\.5/);
    expect(requestRefusal(guard, {})).toBeUndefined();
  });

  it("on a public bind (--host 0.0.0.0), also takes IP-address Hosts, which no rebinding page can send", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.5"]) {
      const guard = createRequestGuard({ host });
      expect(requestRefusal(guard, { host: "192.168.1.5:8080" }), host).toBeUndefined();
      expect(requestRefusal(guard, { host: "[fe80::1]:8080" }), host).toBeUndefined();
      expect(requestRefusal(guard, { host: "switchboard:8080" }), host).toMatch(/--allow-host switchboard/);
    }
    const docker = createRequestGuard({ host: "0.0.0.0", allowHosts: ["switchboard"] });
    expect(requestRefusal(docker, { host: "switchboard:8080" })).toBeUndefined();
  });

  it("refuses allow-lists it cannot read, rather than guessing", () => {
    expect(() => createRequestGuard({ host: "127.0.0.1", allowOrigins: ["localhost:3000"] })).toThrow(
      /allowOrigins.*"localhost:3000".*http:\/\/localhost:3000/,
    );
    expect(() => createRequestGuard({ host: "127.0.0.1", allowOrigins: ["*"] })).toThrow(/allowOrigins/);
    expect(() => createRequestGuard({ host: "127.0.0.1", allowHosts: ["http://x/"] })).toThrow(/allowHosts/);
  });
});
