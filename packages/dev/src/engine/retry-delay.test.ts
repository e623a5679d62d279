import { describe, expect, it } from "vitest";
import { DevServerError } from "../dev-server-error";
import { compileRetryDelay } from "./retry-delay";

// The expression language itself (and its hostile inputs) is tested in @switchboard/wire.
describe("compileRetryDelay", () => {
  it("compiles through the wire format", () => {
    expect(compileRetryDelay("1000 * pow(2, retried)")(3)).toBe(8000);
  });

  it("answers a bad or hostile expression with a 400 saying what is wrong", () => {
    for (const bad of ["valueOf(retried)", "pow(2)", `${"(".repeat(10_000)}1${")".repeat(10_000)}`]) {
      const error = (() => {
        try {
          compileRetryDelay(bad);
        } catch (cause) {
          return cause;
        }
      })();
      expect(error, bad).toBeInstanceOf(DevServerError);
      expect(error, bad).toMatchObject({
        status: 400,
        message: expect.stringMatching(/^Upstash-Retry-Delay .* is invalid/),
      });
    }
  });
});
