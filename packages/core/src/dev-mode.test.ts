import { signPayload } from "@switchboard/wire";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "./create-switchboard";
import { DEV_DEFAULTS } from "./dev-defaults";
import { createSignedRequest } from "./testing/create-signed-request";
import { mockQStash } from "./testing/mock-qstash";

// What a fresh app has locally with SWITCHBOARD_DEV=1 and nothing else.
const local = mockQStash({ baseUrl: "http://127.0.0.1:8080" });
const elsewhere = mockQStash({ baseUrl: "https://qstash.example.test" });
const server = setupServer(...local.handlers, ...elsewhere.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());
const UNSET = [
  "SWITCHBOARD_URL",
  "QSTASH_URL",
  "QSTASH_TOKEN",
  "QSTASH_CURRENT_SIGNING_KEY",
  "QSTASH_NEXT_SIGNING_KEY",
  "SWITCHBOARD_DEV",
];
beforeEach(() => {
  for (const name of UNSET) vi.stubEnv(name, "");
  vi.stubEnv("NODE_ENV", "development");
});
afterEach(() => {
  vi.unstubAllEnvs();
  local.reset();
  elsewhere.reset();
});

const logger = { warn: vi.fn(), error: vi.fn() };
function app(config: Parameters<typeof createSwitchboard>[0] = {}) {
  const sb = createSwitchboard({ logger, ...config });
  const job = sb.createJob({
    name: "send-email",
    schema: z.object({ to: z.string() }),
    handler: () => ({ ok: 1 }),
  });
  return { sb, job };
}

describe("SWITCHBOARD_DEV=1: one env line locally", () => {
  it.each(["1", "true"])(
    "SWITCHBOARD_DEV=%s dispatches to the local QStash with the dev user's token and a localhost route",
    async (value) => {
      const { job } = app();
      vi.stubEnv("SWITCHBOARD_DEV", value); // set after createSwitchboard: env is read per call
      await job.dispatch({ to: "a" });
      expect(local.messages).toHaveLength(1);
      expect(local.messages[0]?.destination).toBe("http://localhost:3000/api/switchboard?job=send-email");
      expect(local.messages[0]?.headers.authorization).toBe(`Bearer ${DEV_DEFAULTS.qstashToken}`);
    },
  );

  it("the route verifies with the dev signing keys, current and next", async () => {
    vi.stubEnv("SWITCHBOARD_DEV", "1");
    const { sb, job } = app();
    const route = sb.handler({ jobs: [job] });
    expect((await route(await createSignedRequest(sb, job, { to: "a" }))).status).toBe(200);
    const url = "http://localhost:3000/api/switchboard?job=send-email";
    const body = '{"to":"a"}';
    const signature = await signPayload({ key: DEV_DEFAULTS.signingKeys.next, url, body });
    const response = await route(
      new Request(url, { method: "POST", body, headers: { "Upstash-Signature": signature } }),
    );
    expect(response.status).toBe(200);
    expect(logger.warn).not.toHaveBeenCalledWith(expect.stringMatching(/No QStash signing keys/));
  });

  it("what you set, in env or config, wins over every default", async () => {
    vi.stubEnv("SWITCHBOARD_DEV", "1");
    vi.stubEnv("QSTASH_URL", "https://qstash.example.test");
    vi.stubEnv("QSTASH_TOKEN", "mine");
    vi.stubEnv("SWITCHBOARD_URL", "https://tunnel.example.test/api/sb");
    const { job } = app();
    await job.dispatch({ to: "a" });
    expect(local.messages).toEqual([]);
    expect(elsewhere.messages[0]).toMatchObject({
      destination: "https://tunnel.example.test/api/sb?job=send-email",
      headers: { authorization: "Bearer mine" },
    });
    const configured = app({ url: "https://config.example.test/sb", signingKeys: { current: "k" } });
    await configured.job.dispatch({ to: "a" });
    expect(elsewhere.messages[1]?.destination).toBe("https://config.example.test/sb?job=send-email");
  });

  it("keeps your own current signing key with its own next key, never the public dev one", async () => {
    vi.stubEnv("SWITCHBOARD_DEV", "1");
    vi.stubEnv("QSTASH_CURRENT_SIGNING_KEY", "sig_mine");
    const { sb, job } = app();
    const route = sb.handler({ jobs: [job] });
    const url = "http://localhost:3000/api/switchboard?job=send-email";
    const body = "{}";
    const devSigned = await signPayload({ key: DEV_DEFAULTS.signingKeys.next, url, body });
    const response = await route(
      new Request(url, { method: "POST", body, headers: { "Upstash-Signature": devSigned } }),
    );
    expect(response.status).toBe(401);
  });

  it("`dev: true` in config means the same; `dev: false` turns SWITCHBOARD_DEV off", async () => {
    await app({ dev: true }).job.dispatch({ to: "a" });
    expect(local.messages).toHaveLength(1);
    vi.stubEnv("SWITCHBOARD_DEV", "1");
    await expect(app({ dev: false }).job.dispatch({ to: "a" })).rejects.toMatchObject({
      code: "CONFIGURATION",
      message: expect.stringMatching(/No route URL/),
    });
  });

  it("without it, nothing is defaulted", async () => {
    await expect(app().job.dispatch({ to: "a" })).rejects.toThrow(/SWITCHBOARD_DEV=1/);
  });

  it("rejects a value that is neither on nor off", async () => {
    vi.stubEnv("SWITCHBOARD_DEV", "yes");
    await expect(app().job.dispatch({ to: "a" })).rejects.toThrow(/SWITCHBOARD_DEV must be 1 or true/);
  });
});

describe("SWITCHBOARD_DEV in production", () => {
  it("throws at first use, never dispatching with the dev defaults", async () => {
    const { job } = app();
    vi.stubEnv("SWITCHBOARD_DEV", "1");
    vi.stubEnv("NODE_ENV", "production");
    const error = await job.dispatch({ to: "a" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFIGURATION" });
    expect((error as Error).message).toMatch(/Remove SWITCHBOARD_DEV in production/);
    expect(local.requestCount()).toBe(0);
  });

  it("throws even when every value is set explicitly, and for `dev: true`", async () => {
    vi.stubEnv("SWITCHBOARD_DEV", "true");
    vi.stubEnv("NODE_ENV", "production");
    const full = app({
      url: "https://a.test/sb",
      qstash: { token: "t", baseUrl: "https://qstash.example.test" },
    });
    await expect(full.job.dispatch({ to: "a" })).rejects.toThrow(/Remove SWITCHBOARD_DEV in production/);
    vi.stubEnv("SWITCHBOARD_DEV", "");
    await expect(app({ dev: true }).job.dispatch({ to: "a" })).rejects.toThrow(/`dev: true`/);
  });

  it("refuses to start the route, and refuses per-request env that says so (edge runtimes)", async () => {
    vi.stubEnv("SWITCHBOARD_DEV", "1");
    vi.stubEnv("NODE_ENV", "production");
    const { sb, job } = app();
    expect(() => sb.handler({ jobs: [job] })).toThrow(/Remove SWITCHBOARD_DEV in production/);
    vi.unstubAllEnvs();
    const edge = app({ signingKeys: { current: "k" } });
    const route = edge.sb.handler({ jobs: [edge.job] });
    const response = await route(
      new Request("https://edge.test/sb?job=send-email", { method: "POST", body: "{}" }),
      { SWITCHBOARD_DEV: "1", NODE_ENV: "production", SWITCHBOARD_URL: "https://edge.test/sb" },
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: "CONFIGURATION" } });
  });
});
