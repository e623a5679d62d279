import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { demoState } from "@/lib/demo-state";
import { SESSION_COOKIE } from "@/lib/session";
import { escalateUnread, feed } from "@/lib/switchboard";
import { GET, POST } from "./route";

// The feed's one route, called as Next calls it. Who the recipient is comes from the session
// cookie alone.
function request(
  path: string,
  user: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
) {
  return new NextRequest(`http://127.0.0.1:3000${path}`, {
    method: init.method ?? "GET",
    headers: { cookie: `${SESSION_COOKIE}=${user}`, "content-type": "application/json", ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}
const act = (user: string, body: unknown, headers: Record<string, string> = {}) =>
  POST(request("/api/notifications", user, { method: "POST", body, headers }));

type Counts = { total: number; unseen: number; unread: number; archived: number };
type Page = {
  items: { id: number; read: boolean; seen: boolean; data: { title: string } }[];
  nextCursor: number | null;
  counts: Counts;
};
const page = async (path: string, user = "grace") => (await (await GET(request(path, user))).json()) as Page;

afterEach(() => vi.restoreAllMocks());

describe("the feed route", () => {
  it("pages through the signed-in user's history with a cursor, newest first", async () => {
    for (let i = 1; i <= 12; i++) await feed.push("grace", { title: `Build #${i}`, message: "" });
    const first = await page("/api/notifications?view=page&limit=10");
    expect(first.items.map((i) => i.data.title).slice(0, 2)).toEqual(["Build #12", "Build #11"]);
    expect(first.items).toHaveLength(10);
    expect(first.counts).toEqual({ total: 12, unseen: 12, unread: 12, archived: 0 });
    const second = await page(`/api/notifications?view=page&limit=10&before=${first.nextCursor}`);
    expect(second.items.map((i) => i.data.title)).toEqual(["Build #2", "Build #1"]);
    expect(second.nextCursor).toBeNull();
    // Another user sees none of it, whatever the query says.
    const ada = await page("/api/notifications?view=page&recipient=grace", "ada");
    expect(ada.items.some((i) => i.data.title.startsWith("Build"))).toBe(false);
  });

  it("marks seen, read and archived; only a read ends the escalations", async () => {
    const notified = vi.spyOn(escalateUnread, "notify").mockResolvedValue({ resumed: 0 });
    const { items } = await feed.list("grace");
    const seen = await act("grace", { action: "seen", ids: "all" });
    expect(await seen.json()).toEqual({ counts: { total: 12, unseen: 0, unread: 12, archived: 0 } });
    expect(notified).not.toHaveBeenCalled();
    const read = await act("grace", { action: "read", ids: [items[0]!.id] });
    expect(await read.json()).toEqual({ counts: { total: 12, unseen: 0, unread: 11, archived: 0 } });
    expect(notified).toHaveBeenCalledWith("read", { at: expect.any(String) }, { key: "grace" });
    const archived = await act("grace", { action: "archive", ids: [items[1]!.id] });
    expect(await archived.json()).toEqual({ counts: { total: 11, unseen: 0, unread: 10, archived: 1 } });
    const inbox = await page("/api/notifications?view=page&limit=100");
    expect(inbox.items.map((i) => i.id)).not.toContain(items[1]!.id);
    expect(notified).toHaveBeenCalledTimes(1);
  });

  it("still records the read when QStash cannot be told", async () => {
    vi.spyOn(escalateUnread, "notify").mockRejectedValue(new Error("QStash is down"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await act("grace", { action: "read", ids: "all" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { counts: Counts }).counts.unread).toBe(0);
    expect(logged).toHaveBeenCalledWith(
      "[next-notify] could not end the escalations of",
      "grace",
      expect.any(Error),
    );
  });

  it.each([
    ["cross-site (Sec-Fetch-Site)", { "sec-fetch-site": "cross-site" }, 403],
    ["from another origin", { origin: "https://evil.example" }, 403],
    ["a form post", { "content-type": "application/x-www-form-urlencoded" }, 415],
    ["text/plain", { "content-type": "text/plain" }, 415],
  ])("refuses an action sent %s, and marks nothing", async (_, headers, status) => {
    const notified = vi.spyOn(escalateUnread, "notify").mockResolvedValue({ resumed: 0 });
    await feed.push("grace", { title: "Keep me unread", message: "" });
    const before = await feed.counts("grace");
    const response = await act("grace", { action: "read", ids: "all" }, headers);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({
      error: { code: expect.any(String), message: expect.any(String) },
    });
    expect(await feed.counts("grace")).toEqual(before);
    expect(notified).not.toHaveBeenCalled();
  });

  it.each([
    ["an unknown action", { action: "delete", ids: [1] }],
    ["a string id", { action: "read", ids: ["x"] }],
    ["a negative id", { action: "read", ids: [-1] }],
    ['"all" for unread', { action: "unread", ids: "all" }],
    ["no ids", { action: "read" }],
    ["a null body", null],
    ["an array body", [1, 2]],
  ])("answers 400, not 500, to %s", async (_, body) => {
    const notified = vi.spyOn(escalateUnread, "notify").mockResolvedValue({ resumed: 0 });
    const response = await act("grace", body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: "BAD_REQUEST", message: expect.any(String) } });
    expect(notified).not.toHaveBeenCalled();
  });

  it.each(["abc", "-1", "1.5", "1e400"])(
    "answers 400, not 500, to a bad `before` cursor (%j)",
    async (before) => {
      const response = await GET(request(`/api/notifications?view=page&before=${before}`, "grace"));
      expect(response.status).toBe(400);
    },
  );

  it("streams the session's feed, whatever the query string says, and counts it while open", async () => {
    const abort = new AbortController();
    const response = await GET(
      request("/api/notifications?recipient=grace&userId=grace", "ada", { signal: abort.signal }),
    );
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(demoState.openStreams.ada).toBe(1);
    const reader = response.body!.getReader();
    let text = "";
    const until = async (marker: string) => {
      while (!text.includes(marker)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until("event: counts"); // live from here on
    await feed.push("grace", { title: "For Grace", message: "" });
    await feed.push("ada", { title: "For Ada", message: "" });
    await until("For Ada");
    expect(text).not.toContain("For Grace");
    abort.abort();
    await reader.cancel();
    expect(demoState.openStreams.ada).toBe(0);
  });
});
