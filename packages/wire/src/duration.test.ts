import { describe, expect, it } from "vitest";
import { formatSeconds, parseDuration, parseRetryAfter, toSeconds } from "./duration";
import { WireError } from "./wire-error";

describe("parseDuration", () => {
  it("reads QStash durations, compound too", () => {
    expect(parseDuration("30s", "delay")).toBe(30);
    expect(parseDuration(" 1d10h30m ", "delay")).toBe(86_400 + 36_000 + 1800);
  });

  it("takes bare seconds only where a header allows them", () => {
    expect(() => parseDuration("30", "delay")).toThrow(/delay: "30" is not a duration/);
    expect(parseDuration("30", "Upstash-Delay", { bareSeconds: true })).toBe(30);
  });

  it("names the option in a WireError", () => {
    expect(() => parseDuration("soon", "timeout")).toThrow(WireError);
    expect(() => parseDuration("1x", "timeout")).toThrow(/^timeout: "1x" is not a duration/);
  });

  it("bounds a duration when asked, even one too long to be a number", () => {
    expect(() => parseDuration("400d", "Upstash-Delay", { maxSeconds: 365 * 86_400 })).toThrow(/365d/);
    expect(() => parseDuration(`${"9".repeat(400)}s`, "d", { maxSeconds: 10 })).toThrow(/longer/);
  });
});

describe("toSeconds", () => {
  it("takes whole seconds or a duration", () => {
    expect(toSeconds(5, "x")).toBe(5);
    expect(toSeconds("2m", "x")).toBe(120);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => toSeconds(bad, "x")).toThrow(/x: expected whole seconds/);
    }
  });
});

describe("formatSeconds and parseRetryAfter", () => {
  it("writes the largest whole unit", () => {
    expect([formatSeconds(86_400), formatSeconds(7200), formatSeconds(90), formatSeconds(0)]).toEqual([
      "1d",
      "2h",
      "90s",
      "0s",
    ]);
  });

  it("reads seconds, durations, unix times and HTTP dates from a fixed now", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("2m", now)).toBe(120);
    expect(parseRetryAfter(String(now / 1000 + 30), now)).toBe(30);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5);
    expect(parseRetryAfter("whenever", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
