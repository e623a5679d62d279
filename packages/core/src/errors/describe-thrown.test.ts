import { describe, expect, it } from "vitest";
import { describeThrown } from "./describe-thrown";
import { SwitchboardError } from "./switchboard-error";

/** Values a handler can throw that break `String(error)` or `error.message`. */
function oddValues(): [string, unknown][] {
  const getterThrows = new Error("ignored");
  Object.defineProperty(getterThrows, "message", {
    get() {
      throw new Error("message getter");
    },
  });
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  return [
    ["Object.create(null)", Object.create(null)],
    [
      "an object whose toString throws",
      {
        toString() {
          throw new Error("toString");
        },
      },
    ],
    ["an Error whose message getter throws", getterThrows],
    ["a revoked Proxy", revoked.proxy],
    ["a Symbol", Symbol("s")],
    ["undefined", undefined],
    ["null", null],
  ];
}

describe("describeThrown", () => {
  it.each(oddValues())("describes %s without throwing", (_, value) => {
    const text = describeThrown(value);
    expect(typeof text).toBe("string");
    expect(text.length).toBeGreaterThan(0);
  });

  it("keeps the message of an Error and the text of a string", () => {
    expect(describeThrown(new Error("SMTP timeout"))).toBe("SMTP timeout");
    expect(describeThrown("plain string")).toBe("plain string");
    expect(describeThrown(42)).toBe("42");
  });

  it("caps a huge message so a log line stays a line", () => {
    expect(describeThrown("x".repeat(100_000)).length).toBeLessThanOrEqual(2_000);
  });
});

describe("SwitchboardError.from never throws", () => {
  it.each(oddValues())("%s becomes the fallback code, kept as cause", (_, value) => {
    const error = SwitchboardError.from(value, "HANDLER_FAILED");
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error.code).toBe("HANDLER_FAILED");
    expect(error.cause).toBe(value);
  });
});
