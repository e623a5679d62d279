import { describe, expect, it } from "vitest";
import { conditionFlags } from "./tsx-process";

describe("conditionFlags", () => {
  it("keeps both spellings of --conditions and -C with their values, and nothing else", () => {
    expect(
      conditionFlags([
        "--expose-gc",
        "--conditions=@switchboard/source",
        "--conditions",
        "development",
        "-C",
        "node",
        "-C=browser",
        "--import",
        "tsx",
        "--conditions",
      ]),
    ).toEqual([
      "--conditions=@switchboard/source",
      "--conditions",
      "development",
      "-C",
      "node",
      "-C=browser",
    ]);
  });
});
