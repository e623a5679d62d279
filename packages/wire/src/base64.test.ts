import { describe, expect, it } from "vitest";
import { asciiToBase64Url, fromBase64Url, toBase64, toBase64Url } from "./base64";

describe("toBase64Url", () => {
  it("matches Node's base64url for every length and byte value", () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + length * 11) & 255);
      const expected = Buffer.from(bytes).toString("base64url");
      expect(toBase64Url(bytes)).toBe(expected);
      expect(fromBase64Url(expected)).toEqual(bytes);
    }
    const all = new Uint8Array(256).map((_, i) => i);
    expect(toBase64Url(all)).toBe(Buffer.from(all).toString("base64url"));
    expect(toBase64(all)).toBe(Buffer.from(all).toString("base64"));
  });

  it("encodes ASCII text straight from the string, as toBase64Url does its bytes", () => {
    for (let length = 0; length <= 40; length++) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode((i * 13 + length) % 128)).join("");
      expect(asciiToBase64Url(text)).toBe(Buffer.from(text, "latin1").toString("base64url"));
    }
  });
});
