import { describe, expect, it, vi } from "vitest";
import { z } from "zod";

// A project without msw: any import of it from the testing entry's module graph fails, as Node's
// resolver would fail with "Cannot find package 'msw'".
vi.doMock("msw", () => {
  throw new Error("Cannot find package 'msw'");
});
vi.doMock("msw/node", () => {
  throw new Error("Cannot find package 'msw/node'");
});

describe("@switchboard/core/testing without msw", () => {
  it("imports, and createSignedRequest works", async () => {
    const { createSignedRequest } = await import("./index");
    const { createSwitchboard } = await import("..");
    const sb = createSwitchboard({ url: "https://app.test/sb", signingKeys: { current: "k" } });
    const job = sb.createJob({ name: "j", schema: z.object({}), handler: () => ({ ok: true }) });
    const response = await sb.handler({ jobs: [job] })(await createSignedRequest(sb, job, {}));
    expect(response.status).toBe(200);
  });

  it("mockQStash loads msw only when called", async () => {
    const { mockQStash } = await import("./index");
    // msw is installed for core's own tests, so the lazy load finds it outside the mocked graph.
    expect(mockQStash().handlers.length).toBeGreaterThan(0);
  });
});
