import { describe, expect, it } from "vitest";
import { parseRedactFields, redactBody, redactedValue, redactHeader } from "./redact-fields";

describe("parseRedactFields", () => {
  it("reads what the SDK sends and what the docs write", () => {
    expect(parseRedactFields("body")).toEqual({ body: true });
    expect(parseRedactFields("body,header[Authorization]")).toEqual({
      body: true,
      header: ["authorization"],
    });
    expect(parseRedactFields("body, headers")).toEqual({ body: true, header: true });
    expect(parseRedactFields("headers[X-A], header[X-B]")).toEqual({ header: ["x-a", "x-b"] });
    expect(parseRedactFields("header, header[X-A]")).toEqual({ header: true });
    expect(parseRedactFields("")).toBeUndefined();
    expect(parseRedactFields(null)).toBeUndefined();
  });

  it("refuses an item it does not know, naming it", () => {
    expect(() => parseRedactFields("body, bdy")).toThrow(/"bdy"/);
    expect(() => parseRedactFields("header[]")).toThrow(/"header\[\]"/);
  });
});

describe("redaction", () => {
  it("replaces values with REDACTED:<sha256 hex>, matching header names case-insensitively", () => {
    const hidden = redactedValue("Bearer t");
    expect(hidden).toMatch(/^REDACTED:[0-9a-f]{64}$/);
    const header = { Authorization: ["Bearer t"], "X-Public": ["p"] };
    expect(redactHeader(header, { header: ["authorization"] })).toEqual({
      Authorization: [hidden],
      "X-Public": ["p"],
    });
    expect(redactHeader(header, { header: true })["X-Public"]).toEqual([redactedValue("p")]);
    expect(redactHeader(header, undefined)).toBe(header);
    const body = Buffer.from("secret").toString("base64");
    expect(redactBody(body, { body: true }).toString()).toBe(redactedValue("secret"));
    expect(redactBody(body, { header: true }).toString()).toBe("secret");
  });
});
