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
      { kind: "channel", channel: "notify", subscriber: "email", flush: true },
      { kind: "channel", channel: "notify", subscriber: "email", flush: true, hook: "failure" },
    ];
    for (const target of targets) {
      const url = new URL(destinationUrl(base, target));
      expect(url.searchParams.get("tenant")).toBe("a");
      expect(parseTarget(url.searchParams)).toEqual(target);
    }
  });

  it("reads nothing from an ambiguous or unknown query", () => {
    for (const query of [
      "",
      "job=a&channel=b",
      "channel=b",
      "job=a&hook=later",
      "subscriber=x",
      "job=a&flush=1",
      "workflow=w&flush=1",
      "channel=c&subscriber=s&flush=yes",
    ]) {
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

  it("keeps a flush apart from the subscriber's own deliveries, hook or not", () => {
    const flush: RouteTarget = { kind: "channel", channel: "c", subscriber: "s", flush: true };
    const url = destinationUrl(base, flush);
    expect(url).toBe("https://app.test/api/sb?tenant=a&channel=c&subscriber=s&flush=1");
    expect(url).not.toBe(destinationUrl(base, { kind: "channel", channel: "c", subscriber: "s" }));
    expect(withoutHook({ ...flush, hook: "success" })).toEqual(flush);
    expect(describeTarget({ ...flush, hook: "success" })).toBe(
      'success hook of flush of channel "c" subscriber "s"',
    );
  });
});
