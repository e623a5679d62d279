import { afterEach, describe, expect, it, vi } from "vitest";

// What Next's Edge Runtime throws when code probes for Node built-ins.
const nextEdgeError =
  "A Node.js API is used (process.getBuiltinModule) which is not supported in the Edge Runtime.";

describe("the route where probing for node:crypto throws", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
  });

  /** A fresh core (so crypto is picked again) and a signed delivery made before the stub. */
  async function edgeRoute(options: { breakWebCrypto?: boolean } = {}) {
    vi.resetModules();
    const { z } = await import("zod");
    const { createSwitchboard } = await import("../create-switchboard");
    const { createSignedRequest } = await import("../testing/create-signed-request");
    const logger = { warn: vi.fn(), error: vi.fn() };
    const sb = createSwitchboard({
      url: "https://app.example.com/api/switchboard",
      qstash: { token: "t" },
      signingKeys: { current: "sig_current", next: "sig_next" },
      logger,
    });
    const ran = vi.fn();
    const greet = sb.createJob({
      name: "greet",
      schema: z.object({ name: z.string() }),
      handler: ({ name }) => {
        ran(name);
        return { greeting: `Hello ${name}` };
      },
    });
    const request = await createSignedRequest(sb, greet, { name: "Ada" });
    // From here on this module instance has not picked its crypto yet: sign above, route below.
    vi.resetModules();
    vi.spyOn(process, "getBuiltinModule").mockImplementation(() => {
      throw new Error(nextEdgeError);
    });
    if (options.breakWebCrypto) {
      vi.spyOn(crypto.subtle, "sign").mockRejectedValue(new Error("SubtleCrypto is broken here"));
    }
    const fresh = await import("../create-switchboard");
    const freshZ = (await import("zod")).z;
    const edgeSb = fresh.createSwitchboard({
      url: "https://app.example.com/api/switchboard",
      qstash: { token: "t" },
      signingKeys: { current: "sig_current", next: "sig_next" },
      logger,
    });
    const edgeGreet = edgeSb.createJob({
      name: "greet",
      schema: freshZ.object({ name: freshZ.string() }),
      handler: ({ name }) => {
        ran(name);
        return { greeting: `Hello ${name}` };
      },
    });
    return { route: edgeSb.handler({ jobs: [edgeGreet] }), request, ran, logger };
  }

  it("verifies with Web Crypto and runs the handler (200), not 500 HANDLER_FAILED", async () => {
    const { route, request, ran } = await edgeRoute();
    const response = await route(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ greeting: "Hello Ada" });
    expect(ran).toHaveBeenCalledWith("Ada");
  });

  it("reports a crypto failure before the handler as CONFIGURATION, never HANDLER_FAILED", async () => {
    const { route, request, ran, logger } = await edgeRoute({ breakWebCrypto: true });
    const response = await route(request);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("CONFIGURATION");
    expect(response.status).toBe(500);
    expect(body.error.message).toContain("SubtleCrypto is broken here");
    expect(ran).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledOnce();
  });
});
