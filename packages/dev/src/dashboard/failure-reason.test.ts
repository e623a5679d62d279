import { describe, expect, it } from "vitest";
import { describeFailure } from "../engine/describe-failure";
import { failureReason } from "./failure-reason";

const url = "http://127.0.0.1:3000/api/switchboard?job=charge";

describe("failureReason", () => {
  it("reads the route's JSON error from the response body", () => {
    const body = JSON.stringify({
      error: { code: "JOB_FAILED", message: "card declined", fix: "use another card" },
    });
    expect(failureReason(body, "ignored", 500)).toEqual({
      code: "JOB_FAILED",
      message: "card declined",
      fix: "use another card",
    });
  });

  it("reads the engine's description of a Switchboard error back into its parts", () => {
    const body = Buffer.from(
      JSON.stringify({
        error: { code: "INVALID_PAYLOAD", message: "email: required", fix: "send an email" },
      }),
    );
    const described = describeFailure({ status: 400, body, url, method: "POST" });
    expect(failureReason(undefined, described, 400)).toEqual({
      code: "INVALID_PAYLOAD",
      message: "email: required",
      fix: "send an email",
    });
  });

  it("keeps any other description as the message", () => {
    const described = describeFailure({
      status: 500,
      body: Buffer.from("<h1>Oops</h1>"),
      url,
      method: "POST",
    });
    expect(failureReason("<h1>Oops</h1>", described, 500)).toEqual({ message: "Oops" });
  });

  it("falls back to the status", () => {
    expect(failureReason(undefined, undefined, 502)).toEqual({ message: "HTTP 502" });
  });
});
