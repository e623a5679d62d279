import { describe, expect, it } from "vitest";
import { describeTarget, destinationUrl, parseTarget, type RouteTarget, withoutHook } from "./destination";

const base = "https://app.test/api/sb?tenant=a";

describe("destinationUrl and parseTarget", () => {
  it("round-trip every kind of target, keeping the base's own query", () => {
    const targets: RouteTarget[] = [
      { kind: "job", job: "send-email" },
      { kind: "job", job: "send-email", hook: "failure" },
      { kind: "channel", channel: "notify", subscriber: "sms" },
      { kind: "channel", channel: "notify", subscriber: "sms", hook: "success" },
    ];
    for (const target of targets) {
      const url = new URL(destinationUrl(base, target));
      expect(url.searchParams.get("tenant")).toBe("a");
      expect(parseTarget(url.searchParams)).toEqual(target);
    }
  });

  it("reads nothing from an ambiguous or unknown query", () => {
    for (const query of ["", "job=a&channel=b", "channel=b", "job=a&hook=later", "subscriber=x"]) {
      expect(parseTarget(new URLSearchParams(query))).toBeUndefined();
    }
  });

  it("drops the hook to name the message a callback reports on", () => {
    const hooked: RouteTarget = { kind: "channel", channel: "c", subscriber: "s", hook: "failure" };
    expect(destinationUrl(base, withoutHook(hooked))).toBe(
      destinationUrl(base, { kind: "channel", channel: "c", subscriber: "s" }),
    );
    expect(describeTarget(hooked)).toBe('failure hook of channel "c" subscriber "s"');
  });
});
