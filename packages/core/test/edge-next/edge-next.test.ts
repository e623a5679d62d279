import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createSignedRequest } from "@switchboard/core/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { greet, sb } from "./switchboard";

const appDir = fileURLToPath(new URL(".", import.meta.url));
const nextBin = fileURLToPath(new URL("../../node_modules/next/dist/bin/next", import.meta.url));
const ROUTE_URL = "https://app.example.com/api/switchboard";
const KEYS = { QSTASH_CURRENT_SIGNING_KEY: "sig_edge_current", QSTASH_NEXT_SIGNING_KEY: "sig_edge_next" };
const env = {
  ...process.env,
  NODE_ENV: "production" as const,
  NEXT_TELEMETRY_DISABLED: "1",
  SWITCHBOARD_URL: ROUTE_URL,
  ...KEYS,
};

/** Runs `next <args>` in the fixture app; resolves with its output, rejects with it on failure. */
function runNext(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], { cwd: appDir, env });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`next ${args.join(" ")} exited ${code}:\n${output}`)),
    );
  });
}

/** `next start` on a free loopback port; resolves with its URL once Next says it is ready. */
function startNext(): Promise<{ child: ChildProcess; url: URL }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [nextBin, "start", "-H", "127.0.0.1", "-p", "0"],
      {
        cwd: appDir,
        env,
      },
    );
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk;
      const local = /Local:\s+(http:\/\/\S+)/.exec(output);
      if (local && output.includes("Ready")) resolve({ child, url: new URL(local[1]!) });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`next start exited ${code} before it was ready:\n${output}`)),
    );
  });
}

/** Sends a Request built for the public route URL to the app on loopback, bytes unchanged. */
async function deliver(base: URL, request: Request): Promise<Response> {
  const { search } = new URL(request.url);
  return fetch(new URL(`/api/switchboard${search}`, base), {
    method: request.method,
    headers: request.headers,
    body: await request.arrayBuffer(),
  });
}

// Node-side signing reads the same variables `next start` was given.
vi.stubEnv("SWITCHBOARD_URL", ROUTE_URL);
vi.stubEnv("QSTASH_CURRENT_SIGNING_KEY", KEYS.QSTASH_CURRENT_SIGNING_KEY);
vi.stubEnv("QSTASH_NEXT_SIGNING_KEY", KEYS.QSTASH_NEXT_SIGNING_KEY);

let server: ChildProcess | undefined;
let base: URL;

beforeAll(async () => {
  await runNext(["build"]);
  // The route really was compiled for the Edge Runtime, not silently for Node: Next lists edge
  // functions in this manifest.
  const manifest = JSON.parse(
    await readFile(new URL(".next/server/middleware-manifest.json", import.meta.url), "utf8"),
  ) as { functions: Record<string, unknown> };
  expect(Object.keys(manifest.functions)).toEqual(["/api/switchboard/route"]);
  const started = await startNext();
  server = started.child;
  base = started.url;
});

afterAll(() => {
  server?.kill();
});

describe("the Next.js App Router route on the Edge Runtime (next build + next start)", () => {
  it("runs a signed delivery in the Edge Runtime: 200 with the handler's result", async () => {
    const response = await deliver(base, await createSignedRequest(sb, greet, { name: "Ada" }));
    expect(await response.text()).toBe(JSON.stringify({ greeting: "Hello Ada", runtime: "edge-runtime" }));
    expect(response.status).toBe(200);
  });

  it("accepts the next signing key (key rotation)", async () => {
    const request = await createSignedRequest(
      sb,
      greet,
      { name: "Grace" },
      {
        signingKey: KEYS.QSTASH_NEXT_SIGNING_KEY,
      },
    );
    expect((await deliver(base, request)).status).toBe(200);
  });

  it("answers 401 for a signature made with another key", async () => {
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
    const response = await deliver(base, await createSignedRequest(sb, greet, { name: "" }));
    expect(response.status).toBe(489);
    expect(response.headers.get("upstash-nonretryable-error")).toBe("true");
    expect(await response.json()).toMatchObject({ error: { code: "INVALID_PAYLOAD" } });
  });
});
