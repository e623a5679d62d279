import { describe, expect, it, vi } from "vitest";
import { resultResponse } from "./result-response";

const cycle = () => {
  const value: Record<string, unknown> = { ok: true };
  value.self = value;
  return value;
};

describe("resultResponse", () => {
  it("answers the JSON of a result, and an empty 200 for undefined", async () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const ok = resultResponse({ sent: true }, 'job "a"', logger);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/json");
    expect(await ok.json()).toEqual({ sent: true });
    expect(await resultResponse(undefined, 'job "a"', logger).text()).toBe("");
    expect(logger.error).not.toHaveBeenCalled();
  });

  it.each([
    ["a BigInt", { chargedCents: 500n }, /result\.chargedCents is a BigInt/],
    ["a cycle", cycle(), /result\.self refers back/],
    [
      "a toJSON that throws",
      {
        toJSON() {
          throw new Error("lazy relation not loaded");
        },
      },
      /lazy relation not loaded/,
    ],
    ["a function", () => 1, /nothing for a function/],
  ])("answers an empty 200 for %s, and logs what to change", async (_, result, why) => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const response = resultResponse(result, 'job "charge"', logger);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    const line = String(logger.error.mock.calls[0]?.[0]);
    expect(line).toMatch(/job "charge" returned a value JSON cannot encode/);
    expect(line).toMatch(why);
    expect(line).toMatch(/not run again.*String\(n\)/);
  });

  it("still answers 200 when the logger throws", () => {
    const logger = {
      warn: vi.fn(),
      error: vi.fn(() => {
        throw new Error("transport down");
      }),
    };
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(resultResponse({ n: 1n }, 'job "a"', logger).status).toBe(200);
      expect(quiet).toHaveBeenCalledWith(expect.stringMatching(/configured logger threw.*BigInt/));
    } finally {
      quiet.mockRestore();
    }
  });
});
