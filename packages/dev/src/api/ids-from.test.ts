import { describe, expect, it } from "vitest";
import { idsFrom } from "./ids-from";

describe("idsFrom", () => {
  it("reads repeated or comma-separated query ids, or a JSON body", () => {
    const none = Buffer.alloc(0);
    expect(idsFrom(new URLSearchParams("dlqIds=a&dlqIds=b"), none, "dlqIds")).toEqual(["a", "b"]);
    expect(idsFrom(new URLSearchParams("messageIds=a,b"), none, "messageIds")).toEqual(["a", "b"]);
    expect(idsFrom(new URLSearchParams(), Buffer.from('{"dlqIds":["c"]}'), "dlqIds")).toEqual(["c"]);
    expect(idsFrom(new URLSearchParams("count=10"), none, "dlqIds")).toBeUndefined();
  });
});
