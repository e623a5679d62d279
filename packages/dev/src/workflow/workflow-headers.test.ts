import { describe, expect, it } from "vitest";
import { callbackHeaders, callTypeOf, captureWorkflowHeaders } from "./workflow-headers";

describe("workflow headers", () => {
  it("captures the upstash-* headers only of a publish that names a run", () => {
    expect(captureWorkflowHeaders(new Headers({ "Upstash-Retries": "2" }))).toBeUndefined();
    expect(
      captureWorkflowHeaders(
        new Headers({ "Upstash-Workflow-RunId": "wfr_1", "Upstash-Retries": "2", "X-Tenant": "t" }),
      ),
    ).toEqual({ "upstash-workflow-runid": "wfr_1", "upstash-retries": "2" });
  });

  it("reads a callback's delivered and workflow headers from its prefix, as QStash reads a publish", () => {
    const captured = {
      "upstash-failure-callback-forward-upstash-workflow-is-failure": "true",
      "upstash-failure-callback-workflow-runid": "wfr_1",
      "upstash-failure-callback-feature-set": "LazyFetch",
      "upstash-failure-callback-retries": "1",
      "upstash-callback-forward-x": "not mine",
    };
    expect(callbackHeaders(captured, "upstash-failure-callback-")).toEqual({
      delivered: { "Upstash-Workflow-Is-Failure": ["true"] },
      workflow: { "upstash-workflow-runid": "wfr_1", "upstash-feature-set": "LazyFetch" },
    });
  });

  it("treats an unknown or missing call type as a step", () => {
    expect(callTypeOf({ "upstash-workflow-calltype": "toCallback" })).toBe("toCallback");
    expect(callTypeOf({ "upstash-workflow-calltype": "step" })).toBe("step");
    expect(callTypeOf({})).toBe("step");
  });
});
