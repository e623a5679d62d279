import { describe, expect, it } from "vitest";
import { scriptSha } from "./script-sha";

describe("scriptSha", () => {
  it("names a script as Redis does (SCRIPT LOAD 'return 1')", async () => {
    expect(await scriptSha("return 1")).toBe("e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  });

  it("hashes the UTF-8 bytes and answers the same promise for the same text", async () => {
    expect(await scriptSha("return 'é'")).toMatch(/^[0-9a-f]{40}$/);
    expect(scriptSha("return 2")).toBe(scriptSha("return 2"));
  });
});
