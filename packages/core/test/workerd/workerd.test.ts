import { createHash, createHmac } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createSignedRequest } from "@switchboard/core/testing";
import { Receiver } from "@upstash/qstash";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { greet, sb } from "./switchboard";

const ROUTE_URL = "https://worker.example.com/api/switchboard";
const KEYS = {
  QSTASH_CURRENT_SIGNING_KEY: "sig_workerd_current",
  QSTASH_NEXT_SIGNING_KEY: "sig_workerd_next",
};

/** The worker as `wrangler deploy` would ship it: one ES module, no Node built-ins. */
async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./worker.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    // Core from its sources (the same code tsup ships), everything else as published.
    conditions: ["@switchboard/source", "workerd", "worker", "browser", "import"],
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** Forwards a Request built for the public route URL to the worker on loopback, bytes unchanged. */
async function deliver(base: URL, request: Request): Promise<Response> {
  const { search } = new URL(request.url);
  return fetch(new URL(`/api/switchboard${search}`, base), {
    method: request.method,
    headers: request.headers,
    body: await request.arrayBuffer(),
  });
}

/** A QStash-style JWT built by hand with node:crypto, independent of core's signer. */
function signIndependently(key: string, url: string, body: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const header = part({ alg: "HS256", typ: "JWT" });
  const claims = part({
    iss: "Upstash",
    sub: url,
    exp: now + 300,
    nbf: now,
    iat: now,
    jti: "jwt_independent",
    body: createHash("sha256").update(body).digest("base64url"),
  });
  const mac = createHmac("sha256", key).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${mac}`;
}

// Node-side signing reads the same variables the worker gets as bindings.
vi.stubEnv("SWITCHBOARD_URL", ROUTE_URL);
vi.stubEnv("QSTASH_CURRENT_SIGNING_KEY", KEYS.QSTASH_CURRENT_SIGNING_KEY);
vi.stubEnv("QSTASH_NEXT_SIGNING_KEY", KEYS.QSTASH_NEXT_SIGNING_KEY);

let script: string;
beforeAll(async () => {
  script = await bundleWorker();
});

// Plain Workers (no `process` at all), and Workers with nodejs_compat, where `process` and
// `node:crypto` exist: the route must work on both.
describe.each([
  { flags: [] as string[], label: "workerd" },
  { flags: ["nodejs_compat"], label: "workerd with nodejs_compat" },
])("the Hono route in $label", ({ flags }) => {
  let mf: Miniflare;
  let base: URL;

  beforeAll(async () => {
    mf = new Miniflare({
      // Listed by hand: Miniflare's import scanner rejects the dynamic `import("node:" + m)` that
      // @upstash/qstash keeps for its Node-only dev server (never reached on Workers).
      modules: [{ type: "ESModule", path: "worker.js", contents: script }],
      compatibilityDate: "2025-09-01",
      compatibilityFlags: flags,
      bindings: { SWITCHBOARD_URL: ROUTE_URL, ...KEYS },
      host: "127.0.0.1",
      port: 0,
    });
    base = await mf.ready;
  });

  afterAll(async () => {
    await mf?.dispose();
  });

  it("runs a delivery signed by createSignedRequest: 200 with the handler's result", async () => {
    const request = await createSignedRequest(sb, greet, { name: "Ada" });
    const response = await deliver(base, request);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      greeting: "Hello Ada",
      attempt: 1,
      userAgent: "Cloudflare-Workers",
    });
  });

  it("accepts the next key (key rotation) and a token signed independently of core", async () => {
    const rotated = await createSignedRequest(
      sb,
      greet,
      { name: "Grace" },
      {
        signingKey: KEYS.QSTASH_NEXT_SIGNING_KEY,
      },
    );
    expect((await deliver(base, rotated)).status).toBe(200);

    const body = JSON.stringify({ name: "Linus" });
    const url = `${ROUTE_URL}?job=greet`;
    const independent = new Request(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Upstash-Signature": signIndependently(KEYS.QSTASH_CURRENT_SIGNING_KEY, url, body),
      },
      body,
    });
    const response = await deliver(base, independent);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ greeting: "Hello Linus" });
  });

  it("answers 401 for a signature made with another key, and does not run the job", async () => {
    const request = await createSignedRequest(sb, greet, { name: "Mallory" }, { signingKey: "sig_attacker" });
    const response = await deliver(base, request);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
  });

  it("answers 401 for a request without a signature", async () => {
    const request = await createSignedRequest(sb, greet, { name: "Ada" });
    request.headers.delete("Upstash-Signature");
    const response = await deliver(base, request);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
  });

  it("answers 489 non-retryable for a payload that fails the schema", async () => {
    const request = await createSignedRequest(sb, greet, { name: "unsent" }, { rawBody: '{"name":42}' });
    const response = await deliver(base, request);
    expect(response.status).toBe(489);
    expect(response.headers.get("upstash-nonretryable-error")).toBe("true");
    expect(await response.json()).toMatchObject({ error: { code: "INVALID_PAYLOAD" } });
  });

  it("answers 489 when the handler throws NonRetriableError", async () => {
    const response = await deliver(base, await createSignedRequest(sb, greet, { name: "nobody" }));
    expect(response.status).toBe(489);
    expect(await response.json()).toMatchObject({ error: { code: "NON_RETRIABLE" } });
  });
});

describe("the signer the runtime tests use", () => {
  it("makes signatures the official @upstash/qstash Receiver accepts", async () => {
    const request = await createSignedRequest(sb, greet, { name: "Ada" });
    const receiver = new Receiver({
      currentSigningKey: KEYS.QSTASH_CURRENT_SIGNING_KEY,
      nextSigningKey: KEYS.QSTASH_NEXT_SIGNING_KEY,
    });
    const valid = await receiver.verify({
      signature: request.headers.get("Upstash-Signature")!,
      body: await request.text(),
      url: `${ROUTE_URL}?job=greet`,
    });
    expect(valid).toBe(true);
  });
});
