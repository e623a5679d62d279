import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "@switchboard/core/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { manualClock } from "../test/manual-clock";
import { readSse } from "../test/read-sse";
import { createFeed } from "./create-feed";
import { memoryFeedStore } from "./memory-feed-store";

const schema = z.object({ title: z.string() });

/** The feed's one route over real HTTP; the user comes from an `x-user` header (the app's "auth"). */
describe("feed.handler over real HTTP", () => {
  const feed = createFeed({ schema, clock: manualClock() });
  const route = feed.handler({
    recipient: (request) => request.headers.get("x-user"),
    heartbeatMs: 60_000,
    origins: ["https://app.example.com"],
  });
  let server: Server;
  let base: string;
  let host: string;
  beforeAll(async () => {
    server = createServer(toNodeHandler(route));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    base = `http://${host}/api/notifications`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A user with `n` unread items. */
  const seeded = async (n: number) => {
    const u = `user-${randomUUID()}`;
    for (let i = 1; i <= n; i++) await feed.push(u, { title: `#${i}` }, { category: i % 2 ? "odd" : "even" });
    return u;
  };
  const post = (u: string | undefined, body: BodyInit | null, headers: Record<string, string> = {}) =>
    fetch(base, {
      method: "POST",
      headers: { "content-type": "application/json", ...(u ? { "x-user": u } : {}), ...headers },
      body,
    });
  const action = (u: string | undefined, value: unknown, headers: Record<string, string> = {}) =>
    post(u, JSON.stringify(value), headers);
  const refused = async (response: Response, status: number, code: string, message: RegExp) => {
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ error: { code, message: expect.stringMatching(message) } });
  };
  const untouched = async (u: string, n: number) =>
    expect(await feed.counts(u)).toEqual({ total: n, unseen: n, unread: n, archived: 0 });

  describe("attacks, refused before anything changes", () => {
    it("refuses a cross-site POST (Sec-Fetch-Site, or a foreign Origin) with 403", async () => {
      const u = await seeded(3);
      await refused(
        await action(u, { action: "read", ids: "all" }, { "sec-fetch-site": "cross-site" }),
        403,
        "FORBIDDEN",
        /Cross-site request refused \(Sec-Fetch-Site: cross-site\): POST from a page on this site/,
      );
      for (const origin of ["https://evil.example", "null", `http://${host}.evil.example`, "not a url"])
        await refused(
          await action(u, { action: "archive", ids: "all" }, { origin }),
          403,
          "FORBIDDEN",
          /Cross-site request refused \(Origin .*\).*feed\.handler\(\{ origins \}\)/,
        );
      // A browser that says cross-site is believed, whatever Origin claims.
      await refused(
        await action(
          u,
          { action: "read", ids: "all" },
          { origin: `http://${host}`, "sec-fetch-site": "cross-site" },
        ),
        403,
        "FORBIDDEN",
        /Sec-Fetch-Site: cross-site/,
      );
      await untouched(u, 3);
      // Its own origin, and a listed one, are served.
      expect((await action(u, { action: "seen", ids: [1] }, { origin: `http://${host}` })).status).toBe(200);
      const listed = await action(u, { action: "seen", ids: [2] }, { origin: "https://app.example.com" });
      expect(await listed.json()).toEqual({ counts: { total: 3, unseen: 1, unread: 3, archived: 0 } });
    });

    it("serves its own page when the framework rewrote request.url's host (Next: localhost for 127.0.0.1)", async () => {
      // Next's route handlers build request.url from their own idea of the host; the browser's
      // Origin matches the Host header it sent. A foreign Origin is still refused.
      const u = await seeded(2);
      const asNext = (origin: string) =>
        route(
          new Request("http://localhost:3917/api/notifications", {
            method: "POST",
            headers: { host: "127.0.0.1:3917", origin, "content-type": "application/json", "x-user": u },
            body: JSON.stringify({ action: "seen", ids: [1] }),
          }),
        );
      await refused(await asNext("http://evil.example:3917"), 403, "FORBIDDEN", /Origin http:\/\/evil/);
      await untouched(u, 2);
      const own = await asNext("http://127.0.0.1:3917");
      expect(own.status).toBe(200);
      expect(await own.json()).toEqual({ counts: { total: 2, unseen: 1, unread: 2, archived: 0 } });
    });

    it("refuses a text/plain POST (a CSRF simple request) and other non-JSON types with 415", async () => {
      const u = await seeded(2);
      for (const type of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
      ])
        await refused(
          await post(u, JSON.stringify({ action: "read", ids: "all" }), { "content-type": type }),
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          /Send the action as JSON with Content-Type: application\/json/,
        );
      await untouched(u, 2);
      const charset = await post(u, JSON.stringify({ action: "read", ids: [1] }), {
        "content-type": "Application/JSON; charset=utf-8",
      });
      expect(charset.status).toBe(200);
    });

    it("refuses a 10 MB body with 413, declared or streamed without a length", async () => {
      const u = await seeded(2);
      const huge = JSON.stringify({ action: "read", ids: [1], pad: "x".repeat(10 * 1024 * 1024) });
      await refused(await post(u, huge), 413, "PAYLOAD_TOO_LARGE", /larger than 65536 bytes/);
      const bytes = new TextEncoder().encode(huge);
      let offset = 0;
      const chunked = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.byteLength) return controller.close();
          controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
          offset += 64 * 1024;
        },
      });
      const response = await fetch(base, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user": u },
        body: chunked,
        duplex: "half",
      } as RequestInit);
      await refused(response, 413, "PAYLOAD_TOO_LARGE", /larger than 65536 bytes/);
      expect(offset).toBeLessThan(bytes.byteLength); // it stopped reading, not buffered 10 MB
      await untouched(u, 2);
    });

    it("refuses ids of the wrong types, 5,000 ids, an unknown action and a malformed body with 400", async () => {
      const u = await seeded(2);
      for (const ids of [["1"], [1.5], [-1], [0], {}, null, "some", [Number.MAX_SAFE_INTEGER + 2], [[1]]])
        await refused(
          await action(u, { action: "read", ids }),
          400,
          "BAD_REQUEST",
          /read: pass an array of item ids \(whole numbers > 0\), or "all"/,
        );
      await refused(
        await action(u, { action: "unread", ids: "all" }),
        400,
        "BAD_REQUEST",
        /action "unread" takes a list of ids, not "all"/,
      );
      const many = Array.from({ length: 5000 }, (_, i) => i + 1);
      await refused(
        await action(u, { action: "archive", ids: many }),
        400,
        "BAD_REQUEST",
        /at most 1000 ids per call \(got 5000\)/,
      );
      for (const name of ["delete", "READ", "", 7, undefined])
        await refused(
          await action(u, { action: name, ids: [1] }),
          400,
          "BAD_REQUEST",
          /action must be one of "seen", "read", "unread", "archive", "unarchive"/,
        );
      await refused(await post(u, "{not json"), 400, "BAD_REQUEST", /The body is not JSON/);
      await refused(await post(u, "[1,2]"), 400, "BAD_REQUEST", /must be a JSON object/);
      await refused(await post(u, ""), 400, "BAD_REQUEST", /The body is not JSON/);
      await untouched(u, 2);
    });

    it("answers 401 when recipient() returns null, for actions, pages and the stream", async () => {
      const u = await seeded(1);
      await refused(
        await action(undefined, { action: "read", ids: "all" }),
        401,
        "UNAUTHORIZED",
        /No recipient/,
      );
      await refused(await fetch(`${base}?view=page`), 401, "UNAUTHORIZED", /No recipient/);
      expect((await fetch(base)).status).toBe(401);
      await untouched(u, 1);
    });

    it("answers other methods with 405 and Allow", async () => {
      const response = await fetch(base, { method: "PUT", headers: { "x-user": "u" } });
      expect(response.headers.get("allow")).toBe("GET, POST");
      await refused(response, 405, "METHOD_NOT_ALLOWED", /PUT is not served here/);
    });
  });

  it("POSTs each action and answers the counts", async () => {
    const u = await seeded(4);
    const counts = async (value: unknown) => {
      const response = await action(u, value);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      return ((await response.json()) as { counts: unknown }).counts;
    };
    expect(await counts({ action: "seen", ids: "all" })).toEqual({
      total: 4,
      unseen: 0,
      unread: 4,
      archived: 0,
    });
    expect(await counts({ action: "read", ids: [1, 2] })).toEqual({
      total: 4,
      unseen: 0,
      unread: 2,
      archived: 0,
    });
    expect(await counts({ action: "unread", ids: [1] })).toEqual({
      total: 4,
      unseen: 0,
      unread: 3,
      archived: 0,
    });
    expect(await counts({ action: "archive", ids: [1, 4] })).toEqual({
      total: 2,
      unseen: 0,
      unread: 1,
      archived: 2,
    });
    expect(await counts({ action: "unarchive", ids: [4] })).toEqual({
      total: 3,
      unseen: 0,
      unread: 2,
      archived: 1,
    });
    expect(await counts({ action: "read", ids: "all" })).toEqual({
      total: 3,
      unseen: 0,
      unread: 0,
      archived: 1,
    });
  });

  it("GET ?view=page answers JSON pages with filters and a cursor; bad queries get 400", async () => {
    const u = await seeded(7);
    await feed.archive(u, [7]);
    const page = async (query: string) => {
      const response = await fetch(`${base}?view=page${query}`, { headers: { "x-user": u } });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      return (await response.json()) as {
        items: { id: number }[];
        nextCursor: number | null;
        counts: unknown;
      };
    };
    const first = await page("&limit=2&category=odd");
    expect(first.items.map((i) => i.id)).toEqual([5, 3]);
    expect(first.counts).toEqual({ total: 6, unseen: 6, unread: 6, archived: 1 });
    const second = await page(`&limit=2&category=odd&before=${first.nextCursor}`);
    expect(second).toMatchObject({ items: [{ id: 1 }], nextCursor: null, unread: 6 });
    expect((await page("&status=archived")).items.map((i) => i.id)).toEqual([7]);
    // Empty parameters are absent ones (a client filling a URL template).
    expect((await page("&before=&limit=&status=&category=")).items.map((i) => i.id)).toEqual([
      6, 5, 4, 3, 2, 1,
    ]);
    for (const [query, message] of [
      ["&limit=1000", /limit must be a whole number from 1 to 100/],
      ["&limit=-1", /limit must be a whole number, got "-1"/],
      ["&before=abc", /before must be a whole number/],
      ["&status=new", /status must be one of/],
      ["&category=%0A", /category must be/],
    ] as const)
      await refused(
        await fetch(`${base}?view=page${query}`, { headers: { "x-user": u } }),
        400,
        "BAD_REQUEST",
        message,
      );
    await refused(
      await fetch(`${base}?view=items`, { headers: { "x-user": u } }),
      400,
      "BAD_REQUEST",
      /view=items is unknown: use view=page/,
    );
  });

  it("GET without view is the live stream, and an action reaches it as state and counts", async () => {
    const u = await seeded(2);
    const controller = new AbortController();
    const stream = await fetch(base, { headers: { "x-user": u }, signal: controller.signal });
    expect(stream.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    await readSse(stream, (e) => e.some((x) => x.event === "counts"));
    await action(u, { action: "read", ids: [2] });
    const { events } = await readSse(stream, (e) => e.some((x) => x.event === "counts"));
    expect(events.filter((e) => e.event !== "comment").map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      ["state", { ids: [2], read: true, seen: true }],
      ["unread", { unread: 1 }],
      ["counts", { total: 2, unseen: 1, unread: 1, archived: 0 }],
    ]);
    controller.abort();
  });
});

describe("feed.handler when the store fails", () => {
  it("answers 500 FEED_FAILED without the store's error text", async () => {
    const store = memoryFeedStore();
    const broken = createFeed({
      schema,
      store: {
        ...store,
        list: async () => {
          throw new Error("connect ECONNREFUSED 10.0.0.7:6379");
        },
        mark: async () => {
          throw new Error("connect ECONNREFUSED 10.0.0.7:6379");
        },
      },
    });
    const route = broken.handler({ recipient: () => "u" });
    const page = await route(new Request("http://app.test/n?view=page"));
    expect(page.status).toBe(500);
    expect(await page.json()).toEqual({
      error: { code: "FEED_FAILED", message: "The feed's store failed; try again." },
    });
    const action = await route(
      new Request("http://app.test/n", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ action: "read", ids: "all" }),
      }),
    );
    expect(action.status).toBe(500);
    expect(JSON.stringify(await action.json())).not.toContain("10.0.0.7");
  });
});
