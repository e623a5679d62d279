import { describe, expect, it } from "vitest";
import { DevServerError } from "../dev-server-error";
import { parseDuration } from "./duration";

describe("parseDuration", () => {
  it("reads QStash durations, compound ones included", () => {
    expect(parseDuration("30s", "Upstash-Delay")).toBe(30);
    expect(parseDuration("5m", "Upstash-Delay")).toBe(300);
    expect(parseDuration("1d10h30m", "Upstash-Delay")).toBe(86_400 + 36_000 + 1_800);
    expect(parseDuration("45", "Upstash-Delay")).toBe(45);
  });

  it("names the header in its error, a 400", () => {
    expect(() => parseDuration("soon", "Upstash-Delay")).toThrow(DevServerError);
    expect(() => parseDuration("soon", "Upstash-Delay")).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseDuration("soon", "Upstash-Delay")).toThrow(/Upstash-Delay: "soon" is not a duration/);
    expect(() => parseDuration("5w", "Upstash-Timeout")).toThrow(/Upstash-Timeout/);
  });

  it("refuses a duration past its bound, and digits too many to be a finite number", () => {
    expect(parseDuration("365d", "Upstash-Delay", 365 * 86_400)).toBe(365 * 86_400);
    expect(() => parseDuration("366d", "Upstash-Delay", 365 * 86_400)).toThrow(
      /Upstash-Delay: "366d" is longer than the most allowed \(365d\)/,
    );
    expect(() => parseDuration("99999999999d", "Upstash-Delay", 365 * 86_400)).toThrow(/longer than/);
    expect(() => parseDuration("9".repeat(400), "Upstash-Delay", 365 * 86_400)).toThrow(/longer than/);
    expect(() => parseDuration(`${"9".repeat(400)}s`, "Upstash-Timeout", 86_400)).toThrow(/\(1d\)/);
  });
});
