import { describe, expect, it } from "vitest";
import { decodeRedisReply } from "./redis-reply";

describe("decodeRedisReply", () => {
  it.each([
    ["42", 42],
    ["-7", -7],
    ["0.1", 0.1],
    ["1.50", "1.50"],
    ["007", "007"],
    ["-0", "-0"],
    ["1e3", "1e3"],
    [" 5", " 5"],
    ["12345678901234567890", "12345678901234567890"],
    ["e123", "e123"],
    ["hello", "hello"],
    ["", ""],
    ["null", null],
    ["true", true],
    ['"quoted"', "quoted"],
    ['{"a":[1,"2"]}', { a: [1, "2"] }],
    ["[]", []],
  ])("reads the bulk string %j as %j", (raw, decoded) => {
    expect(decodeRedisReply(raw)).toEqual(decoded);
  });

  it("keeps integers, reads nil as null and decodes arrays element by element", () => {
    expect(decodeRedisReply(5)).toBe(5);
    expect(decodeRedisReply(null)).toBeNull();
    expect(decodeRedisReply(undefined)).toBeNull();
    expect(decodeRedisReply([1, "2", ["x", "[3]", null]])).toEqual([1, 2, ["x", [3], null]]);
  });

  it("does not parse strings again inside parsed JSON", () => {
    expect(decodeRedisReply('["5", "{}"]')).toEqual(["5", "{}"]);
  });

  it("folds RESP3 replies back to their RESP2 shape", () => {
    expect(decodeRedisReply(true)).toBe(1);
    expect(decodeRedisReply(false)).toBeNull();
    expect(decodeRedisReply(new Map([["a", "1"]]))).toEqual(["a", 1]);
    expect(decodeRedisReply({ a: "1" })).toEqual(["a", 1]);
  });
});
