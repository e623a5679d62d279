import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { signPayload, unverifiedClaims, verifySignature } from "./signature";

const keys = { current: "sig_current", next: "sig_next" };
const url = "https://app.test/api/sb?job=x";
const now = 1_800_000_000;

describe("signPayload and verifySignature", () => {
  it("agree on text and on a Node Buffer holding the same bytes", async () => {
    const text = '{"a":"✓"}';
    for (const body of [text, Buffer.from(text)]) {
      const signature = await signPayload({ key: keys.next, url, body, issuedAt: now });
      const result = await verifySignature({
        signature,
        body: new TextEncoder().encode(text),
        keys,
        expectedUrl: url,
        clockTolerance: 0,
        now,
      });
      expect(result.ok).toBe(true);
    }
  });

  it("refuses a body changed after signing", async () => {
    const signature = await signPayload({ key: keys.current, url, body: "{}", issuedAt: now });
    const result = await verifySignature({
      signature,
      body: new TextEncoder().encode("{ }"),
      keys,
      expectedUrl: url,
      clockTolerance: 0,
      now,
    });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/Body hash/) });
  });

  it("reads claims that are not ASCII (a job name in UTF-8) exactly", async () => {
    const unicodeUrl = "https://app.test/api/sb?job=café-✓";
    const signature = await signPayload({ key: keys.current, url: unicodeUrl, body: "{}", issuedAt: now });
    expect(unverifiedClaims(signature)?.sub).toBe(unicodeUrl);
    const result = await verifySignature({
      signature,
      body: new TextEncoder().encode("{}"),
      keys,
      expectedUrl: unicodeUrl,
      clockTolerance: 0,
      now,
    });
    expect(result.ok).toBe(true);
  });

  it("exposes unverified claims only for routing, and nothing for junk", async () => {
    const signature = await signPayload({ key: "other", url, body: "{}", issuedAt: now });
    expect(unverifiedClaims(signature)?.sub).toBe(url);
    expect(unverifiedClaims("a.b.c")).toBeUndefined();
    expect(unverifiedClaims(null)).toBeUndefined();
  });
});
