import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "@/lib/session";
import { feed } from "@/lib/switchboard";
import { GET, POST } from "./route";
import { GET as stream } from "./stream/route";

// The feed's routes, called as Next calls them. Who the recipient is comes from the session
// cookie alone.
function request(path: string, user: string, init: { method?: string; body?: unknown } = {}) {
  return new NextRequest(`http://127.0.0.1:3000${path}`, {
    method: init.method ?? "GET",
    headers: { cookie: `${SESSION_COOKIE}=${user}`, "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

type Page = {
  items: { id: number; read: boolean; data: { title: string } }[];
  nextCursor?: number;
  unread: number;
};

describe("the feed routes", () => {
  it("page through the signed-in user's history with a cursor, newest first", async () => {
    for (let i = 1; i <= 12; i++) await feed.push("grace", { title: `Build #${i}`, message: "" });
    const first = (await (await GET(request("/api/notifications", "grace"))).json()) as Page;
    expect(first.items.map((i) => i.data.title).slice(0, 2)).toEqual(["Build #12", "Build #11"]);
    expect(first.items).toHaveLength(10);
    expect(first.unread).toBe(12);
    const second = (await (
      await GET(request(`/api/notifications?before=${first.nextCursor}`, "grace"))
    ).json()) as Page;
    expect(second.items.map((i) => i.data.title)).toEqual(["Build #2", "Build #1"]);
    expect(second.nextCursor).toBeUndefined();
    // Another user sees none of it.
    const ada = (await (await GET(request("/api/notifications", "ada"))).json()) as Page;
    expect(ada.items.some((i) => i.data.title.startsWith("Build"))).toBe(false);
  });

  it("mark one item, then all, read", async () => {
    const { items } = await feed.list("grace");
    const one = await POST(
      request("/api/notifications", "grace", { method: "POST", body: { ids: [items[0]!.id] } }),
    );
    expect(await one.json()).toEqual({ unread: 11 });
    const all = await POST(request("/api/notifications", "grace", { method: "POST", body: { ids: "all" } }));
    expect(await all.json()).toEqual({ unread: 0 });
    const bad = await POST(request("/api/notifications", "grace", { method: "POST", body: { ids: "some" } }));
    expect(bad.status).toBe(400);
  });

  it.each(["abc", "-1", "1.5", "0x10", "1e400", "99999999999999999999", ""])(
    "answer 400, not 500, to a bad `before` cursor (%j)",
    async (before) => {
      const response = await GET(request(`/api/notifications?before=${encodeURIComponent(before)}`, "grace"));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: expect.stringMatching(/before.*nextCursor/) });
    },
  );

  it.each([
    ["a string id", { ids: ["x"] }],
    ["a zero id", { ids: [0] }],
    ["a negative id", { ids: [-1] }],
    ["a huge id", { ids: [1e30] }],
    ["a fractional id", { ids: [1.5] }],
    ["too many ids", { ids: Array.from({ length: 1001 }, (_, i) => i + 1) }],
    ["no ids", {}],
    ["a null body", null],
    ["an array body", [1, 2]],
  ])("answer 400, not 500, to %s when marking read", async (_, body) => {
    const response = await POST(request("/api/notifications", "grace", { method: "POST", body }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/ids/) });
  });

  it("stream the session's feed, whatever the query string says", async () => {
    const abort = new AbortController();
    const response = await stream(
      new NextRequest("http://127.0.0.1:3000/api/notifications/stream?recipient=grace&userId=grace", {
        headers: { cookie: `${SESSION_COOKIE}=ada` },
        signal: abort.signal,
      }),
    );
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    let text = "";
    const until = async (marker: string) => {
      while (!text.includes(marker)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until("event: unread"); // live from here on
    await feed.push("grace", { title: "For Grace", message: "" });
    await feed.push("ada", { title: "For Ada", message: "" });
    await until("For Ada");
    expect(text).not.toContain("For Grace");
    abort.abort();
    await reader.cancel();
  });
});
