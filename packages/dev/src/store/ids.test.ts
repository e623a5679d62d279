import { describe, expect, it } from "vitest";
import { newId } from "./ids";

describe("newId", () => {
  it("is the prefix, an underscore and 32 hex digits", () => {
    for (const prefix of ["msg", "dlq", "scd"] as const)
      expect(newId(prefix)).toMatch(new RegExp(`^${prefix}_[0-9a-f]{32}$`));
  });

  it("never repeats, across refills of its random pool", () => {
    const ids = new Set(Array.from({ length: 2_000 }, () => newId("msg")));
    expect(ids.size).toBe(2_000);
  });
});
