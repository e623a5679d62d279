import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "@/lib/session";
import { notify } from "@/lib/switchboard";
import { GET, PATCH } from "./route";

// The settings route, called as Next calls it; whose preferences comes from the session cookie.
function patch(body: string, headers: Record<string, string> = {}, user = "grace") {
  return PATCH(
    new NextRequest("http://127.0.0.1:3000/api/preferences", {
      method: "PATCH",
      headers: {
        cookie: `${SESSION_COOKIE}=${user}`,
        "content-type": "application/json",
        "content-length": String(new TextEncoder().encode(body).length),
        ...headers,
      },
      body,
    }),
  );
}
const get = async (user = "grace") =>
  (await (
    await GET(
      new NextRequest("http://127.0.0.1:3000/api/preferences", {
        headers: { cookie: `${SESSION_COOKIE}=${user}` },
      }),
    )
  ).json()) as {
    subscribers: string[];
    categories: { name: string; critical: boolean }[];
    preferences: Record<string, Record<string, boolean>>;
  };

describe("the preferences route", () => {
  it("lists the categories and the signed-in user's choices, with the defaults", async () => {
    const body = await get();
    expect(body.subscribers).toEqual(["email", "sms", "inApp"]);
    expect(body.categories.map((c) => [c.name, c.critical])).toEqual([
      ["updates", false],
      ["comments", false],
      ["mentions", false],
      ["security", true],
    ]);
    expect(body.preferences.comments).toEqual({ email: true, sms: false, inApp: true });
  });

  it("changes only what the body names, for the session's user only", async () => {
    const response = await patch(JSON.stringify({ comments: { sms: true }, mentions: { email: false } }));
    expect(response.status).toBe(200);
    const { preferences } = (await response.json()) as {
      preferences: Record<string, Record<string, boolean>>;
    };
    expect(preferences.comments).toEqual({ email: true, sms: true, inApp: true });
    expect(preferences.mentions).toEqual({ email: false, sms: true, inApp: true });
    expect((await get("ada")).preferences.comments?.sms).toBe(false);
    expect((await notify.preferences.get("grace")).comments.sms).toBe(true);
  });

  it.each([
    ["cross-site (Sec-Fetch-Site)", { "sec-fetch-site": "cross-site" }, 403],
    ["from another origin", { origin: "https://evil.example" }, 403],
    ["as a form post", { "content-type": "application/x-www-form-urlencoded" }, 415],
    ["as text/plain", { "content-type": "text/plain" }, 415],
    ["without a Content-Length", { "content-length": "" }, 413],
    ["larger than 16 KiB", { "content-length": "20000" }, 413],
  ])("refuses a change sent %s, and changes nothing", async (_, headers, status) => {
    const before = await notify.preferences.get("grace");
    const response = await patch(JSON.stringify({ updates: { email: false } }), headers);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: expect.any(String) });
    expect(await notify.preferences.get("grace")).toEqual(before);
  });

  it.each([
    ["not JSON", "{comments:", /./],
    ["null", "null", /./],
    ["an unknown category", JSON.stringify({ billing: { email: false } }), /billing/],
    ["an unknown subscriber", JSON.stringify({ comments: { fax: false } }), /fax/],
    ["a value that is not a boolean", JSON.stringify({ comments: { email: "no" } }), /./],
    ["a mute of a critical category", JSON.stringify({ security: { email: false } }), /critical/],
    ["a __proto__ key", '{"__proto__": {"email": false}}', /./],
    [
      "a part refused beside a valid one",
      JSON.stringify({ updates: { sms: false }, security: { sms: false } }),
      /./,
    ],
  ])("answers 400 to %s, saying what is wrong, and changes nothing", async (_, body, message) => {
    const before = await notify.preferences.get("grace");
    const response = await patch(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect(await notify.preferences.get("grace")).toEqual(before);
  });
});
