import { describe, expect, it, vi } from "vitest";

vi.mock("@upstash/workflow", () => {
  throw new Error("Cannot find package '@upstash/workflow'");
});

describe("loadWorkflowSdk without @upstash/workflow installed", () => {
  it("throws CONFIGURATION with the install command, and tries again on the next call", async () => {
    const { loadWorkflowSdk } = await import("./load-workflow-sdk");
    const expected = { code: "CONFIGURATION", fix: "npm i @upstash/workflow" };
    await expect(loadWorkflowSdk()).rejects.toMatchObject(expected);
    await expect(loadWorkflowSdk()).rejects.toMatchObject(expected);
  });
});
