import { describe, expect, it } from "vitest";
import { utf8Length } from "./feed-session";

describe("utf8Length", () => {
  const encoder = new TextEncoder();
  it.each([
    ["", "empty"],
    ["plain ascii: event: notification\n", "ascii"],
    ["Größe, café, naïve", "two-byte letters"],
    ["日本語のお知らせ €", "three-byte characters"],
    ["👋 🎉 👩‍👩‍👧", "surrogate pairs and joiners"],
    ["lone high \ud800 then text", "a lone high surrogate (U+FFFD)"],
    ["lone low \udc00 then text", "a lone low surrogate (U+FFFD)"],
    ["ends on a high surrogate \ud83d", "a high surrogate at the end"],
    ["\udc00\ud800", "a low then a high surrogate: two lone ones"],
  ])("counts %j as TextEncoder encodes it (%s)", (text) => {
    expect(utf8Length(text)).toBe(encoder.encode(text).byteLength);
  });
});
