import { describe, expect, it } from "vitest";
import { OutgoingHeaders } from "./outgoing-headers";

/** What `fetch`'s Headers makes of the same calls: the behaviour OutgoingHeaders keeps. */
function both(build: (headers: Pick<Headers, "set" | "append">) => void) {
  const ours = new OutgoingHeaders();
  const web = new Headers();
  build(ours);
  build(web);
  return { ours: [...ours].sort(), web: [...web].sort() };
}

describe("OutgoingHeaders", () => {
  it("keeps headers as fetch's Headers does: lower-case names, repeats joined, Set-Cookie apart, set replaces", () => {
    const { ours, web } = both((h) => {
      h.append("X-Tenant", "a");
      h.append("x-tenant", "b");
      h.append("Set-Cookie", "a=1");
      h.append("Set-Cookie", "b=2");
      h.set("Content-Type", "text/plain");
      h.set("content-type", "application/json");
      h.append("X-Padded", " \t spaced \r\n");
    });
    expect(ours).toEqual(web);
    expect(ours).toContainEqual(["x-tenant", "a, b"]);
    expect(ours).toContainEqual(["x-padded", "spaced"]);
  });

  it("reads by any spelling, and has/get/delete agree", () => {
    const headers = new OutgoingHeaders();
    headers.append("Upstash-Label", "one");
    headers.append("upstash-label", "two");
    expect(headers.has("UPSTASH-LABEL")).toBe(true);
    expect(headers.get("Upstash-label")).toBe("one, two");
    headers.delete("upstash-LABEL");
    expect(headers.has("upstash-label")).toBe(false);
    expect(headers.get("upstash-label")).toBeNull();
  });

  it("sets the server's own values in place of any earlier value of that name", () => {
    const headers = new OutgoingHeaders();
    headers.append("User-Agent", "forwarded");
    headers.setOwn("user-agent", "Upstash-QStash");
    expect([...headers]).toEqual([["user-agent", "Upstash-QStash"]]);
  });

  it("refuses what fetch refuses: names that are not tokens, values with NUL, CR, LF or past one byte", () => {
    for (const [name, value] of [
      ["Bad Name", "x"],
      ["", "x"],
      ["X-Ok", "a\r\nInjected: 1"],
      ["X-Ok", "a\nb"],
      ["X-Ok", "nul\0"],
      ["X-Ok", "emoji 🚀"],
    ] as const) {
      expect(() => new Headers().append(name, value), `${name}: ${value}`).toThrow(TypeError);
      expect(() => new OutgoingHeaders().append(name, value), `${name}: ${value}`).toThrow(TypeError);
      expect(() => new OutgoingHeaders().set(name, value), `${name}: ${value}`).toThrow(TypeError);
    }
    const latin1 = "caf\u00e9";
    expect(() => new OutgoingHeaders().append("X-Ok", latin1)).not.toThrow();
  });
});
