import { describe, expect, it } from "vitest";
import { urlHost } from "./url-host";

describe("urlHost", () => {
  it("turns listen addresses into dialable URL hosts", () => {
    expect(urlHost("127.0.0.1")).toBe("127.0.0.1");
    expect(urlHost("localhost")).toBe("localhost");
    expect(urlHost("0.0.0.0")).toBe("127.0.0.1");
    expect(urlHost("::")).toBe("[::1]");
    expect(urlHost("::1")).toBe("[::1]");
  });
});
