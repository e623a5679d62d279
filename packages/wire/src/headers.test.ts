import { describe, expect, it } from "vitest";
import { readCount } from "./headers";

describe("readCount", () => {
  it("reads whole numbers >= 0 and nothing else", () => {
    expect(readCount("0")).toBe(0);
    expect(readCount("3")).toBe(3);
    for (const bad of [null, "", " ", "-1", "1.5", "1e400", "abc", "9007199254740993"]) {
      expect(readCount(bad)).toBeUndefined();
    }
  });
});
