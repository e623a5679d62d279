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
      // Names every plain object inherits: accepted once, then crashed the server at delivery.
      "valueOf(retried)",
      "constructor(retried)",
      "hasOwnProperty(retried)",
      "toString(retried)",
      "__proto__(retried)",
      "toLocaleString(1)",
      "isPrototypeOf(1)",
      "__defineGetter__(1, 2)",
      // Wrong arity for the documented functions.
      "pow(2)",
      "sqrt()",
      "abs(1, 2)",
      "min()",
    ]) {
      expect(() => compileRetryDelay(bad), bad).toThrow(/Upstash-Retry-Delay .* is invalid/);
    }
  });

  it("bounds the length and nesting of an expression instead of overflowing the stack", () => {
    const deep = `${"(".repeat(10_000)}1${")".repeat(10_000)}`;
    expect(() => compileRetryDelay(deep)).toThrow(/Upstash-Retry-Delay .* is invalid .*long/);
    const nested = `${"(".repeat(40)}1${")".repeat(40)}`;
    expect(() => compileRetryDelay(nested)).toThrow(/nested/);
    expect(() => compileRetryDelay(`${"-".repeat(200)}1`)).toThrow(/nested/);
    expect(() => compileRetryDelay(`1${" + 1".repeat(400)}`)).toThrow(/long/);
    expect(compileRetryDelay(`${"(".repeat(20)}retried${")".repeat(20)}`)(7)).toBe(7);
    // Long but within bounds, and a left-leaning chain evaluates without deep recursion trouble.
    expect(compileRetryDelay(`1${" + 1".repeat(200)}`)(0)).toBe(201);
  });

  it("always yields a finite delay in ms, capped at QStash's one day", () => {
    expect(compileRetryDelay("pow(10, 400)")(0)).toBe(86_400_000);
    expect(compileRetryDelay("sqrt(0 - 1)")(0)).toBe(0);
    expect(compileRetryDelay("1 / 0")(0)).toBe(86_400_000);
  });
});
