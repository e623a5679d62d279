import { describe, expect, it } from "vitest";
import { canonicalHeaderName, contentHash, headerLookup, parseMessageOptions } from "./message-options";

// A fixed clock: Upstash-Not-Before is bounded relative to now.
const NOW = Date.parse("2030-01-01T00:00:00Z");
const parse = (headers: Record<string, string>) => parseMessageOptions(headerLookup(headers), NOW);

describe("parseMessageOptions", () => {
  it("applies QStash's defaults", () => {
    expect(parse({})).toMatchObject({ method: "POST", retries: 3, delaySeconds: 0, header: {} });
  });

  it("reads every Upstash-* setting case-insensitively and forwards Upstash-Forward-* as plain headers", () => {
    const options = parse({
      "content-type": "application/json",
      "upstash-method": "put",
      "Upstash-Delay": "1d10h30m",
      "UPSTASH-NOT-BEFORE": "1900000000",
      "upstash-retries": "0",
      "upstash-retry-delay": "1000 * pow(2, retried)",
      "upstash-timeout": "10s",
      "upstash-callback": "http://127.0.0.1:1/cb",
      "upstash-failure-callback-retries": "1",
      "upstash-flow-control-key": "smtp",
      "upstash-flow-control-value": "parallelism=2, rate=10, period=1m",
      "upstash-label": "billing",
      "upstash-forward-x-tenant": "acme",
      "Upstash-Forward-Authorization": "Bearer app",
    });
    expect(options).toMatchObject({
      method: "PUT",
      delaySeconds: 86_400 + 36_000 + 1_800,
      notBeforeSeconds: 1_900_000_000,
      retries: 0,
      retryDelay: "1000 * pow(2, retried)",
      timeoutSeconds: 10,
      callback: "http://127.0.0.1:1/cb",
      failureCallbackOptions: { retries: 1 },
      flowControlKey: "smtp",
      parallelism: 2,
      rate: 10,
      periodSeconds: 60,
      label: "billing",
      header: {
        "Content-Type": ["application/json"],
        "X-Tenant": ["acme"],
        Authorization: ["Bearer app"],
      },
    });
  });

  it("names the header that is wrong", () => {
    expect(() => parse({ "upstash-delay": "soon" })).toThrow(/^Upstash-Delay: "soon" is not a duration/);
    expect(() => parse({ "upstash-retries": "-1" })).toThrow(/^Upstash-Retries: "-1" must be a whole number/);
    expect(() => parse({ "upstash-retry-delay": "eval(1)" })).toThrow(/Upstash-Retry-Delay/);
    expect(() => parse({ "upstash-method": "FETCH" })).toThrow(/Upstash-Method/);
    expect(() => parse({ "upstash-callback": "ftp://x" })).toThrow(/must use http or https/);
    expect(() => parse({ "upstash-flow-control-value": "burst=3" })).toThrow(/unknown setting "burst"/);
  });
});

describe("contentHash", () => {
  it("depends on destination, body, content type and forwarded headers, not on header order", () => {
    const body = Buffer.from("{}");
    const a = contentHash("http://x/a", body, { "Content-Type": ["application/json"], "X-A": ["1"] });
    expect(contentHash("http://x/a", body, { "X-A": ["1"], "Content-Type": ["application/json"] })).toBe(a);
    expect(contentHash("http://x/b", body, { "Content-Type": ["application/json"], "X-A": ["1"] })).not.toBe(
      a,
    );
    expect(
      contentHash("http://x/a", Buffer.from("[]"), { "Content-Type": ["application/json"], "X-A": ["1"] }),
    ).not.toBe(a);
    expect(contentHash("http://x/a", body, { "Content-Type": ["text/plain"], "X-A": ["1"] })).not.toBe(a);
  });
});

describe("canonicalHeaderName", () => {
  it("capitalises each dash-separated word as Go does", () => {
    expect(canonicalHeaderName("x-request-id")).toBe("X-Request-Id");
    expect(canonicalHeaderName("CONTENT-TYPE")).toBe("Content-Type");
  });
});
