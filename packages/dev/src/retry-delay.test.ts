import { describe, expect, it } from "vitest";
import { compileRetryDelay } from "./retry-delay";

describe("compileRetryDelay", () => {
  it("evaluates QStash's retry-delay expressions over `retried`", () => {
    expect(compileRetryDelay("1000")(5)).toBe(1000);
    expect(compileRetryDelay("1000 * pow(2, retried)")(3)).toBe(8000);
    expect(compileRetryDelay("100000 * (retried + 1)")(1)).toBe(200000);
    expect(compileRetryDelay("max(10, min(sqrt(retried) * 3, 50))")(4)).toBe(10);
    expect(compileRetryDelay("floor(exp(retried)) + ceil(1.2) + round(2.5) + abs(-4)")(1)).toBe(
      2 + 2 + 3 + 4,
    );
    expect(compileRetryDelay("-5 + 10 / 2")(0)).toBe(0); // never negative
  });

  it("rejects anything that is not arithmetic over `retried`, without eval", () => {
    for (const bad of [
      "process.exit(1)",
      "retried; 1",
      "pow(2",
      "1 +",
      "foo(1)",
      "2 ** 3",
      "`1`",
      "constructor",
    ]) {
      expect(() => compileRetryDelay(bad), bad).toThrow(/Upstash-Retry-Delay .* is invalid/);
    }
  });
});
