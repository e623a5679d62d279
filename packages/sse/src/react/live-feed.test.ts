import { describe, expect, it } from "vitest";
import { fakeTabs } from "../../test/fake-tabs";
import { FeedError } from "../feed-error";
import type { LiveFeedItem } from "./feed-protocol";
import { createLiveFeed } from "./live-feed";
import type { ConnectStream } from "./shared-stream";
import type { StreamEvent } from "./stream-event";

type Data = { title: string };
const item = (id: number, extra: Partial<LiveFeedItem<Data>> = {}) =>
  ({
    id,
    createdAt: id,
    read: false,
    seen: false,
    archived: false,
    data: { title: `n${id}` },
    groupKey: undefined,
    count: 1,
    summary: false,
    actors: [],
    actorCount: 0,
    grouped: [],
    ...extra,
  }) as LiveFeedItem<Data>;

/**
 * The feed route's JSON side (SPEC-17) by hand: pages by `before`, and marks that answer counts
 * (or fail, or wait, when the test says). Records every request. The stream is `connect`.
 */
function fakeRoute(ids: number[]) {
  const items = ids.map((id) => item(id));
  const requests: string[] = [];
  let failMarks = false;
  let hold: Promise<void> | undefined;
  let holdGet: Promise<void> | undefined;
  const counts = () => ({
    total: items.filter((i) => !i.archived).length,
    unseen: items.filter((i) => !i.archived && !i.seen).length,
    unread: items.filter((i) => !i.archived && !i.read).length,
    archived: items.filter((i) => i.archived).length,
  });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://app.test/");
    requests.push(`${init?.method} ${url.pathname}${url.search}`);
    if (init?.method === "POST") {
      await hold;
      if (failMarks) return Response.json({ error: { code: "FORBIDDEN", message: "nope" } }, { status: 403 });
      const body = JSON.parse(String(init.body)) as { action: string; ids: number[] | "all" };
      for (const i of items) {
        if (body.ids !== "all" && !body.ids.includes(i.id)) continue;
        if (body.action === "read") i.read = i.seen = true;
        if (body.action === "archive") i.archived = true;
      }
      return Response.json({ counts: counts() });
    }
    await holdGet;
    const before = Number(url.searchParams.get("before") ?? Number.MAX_SAFE_INTEGER);
    const limit = Number(url.searchParams.get("limit"));
    const older = items.filter((i) => i.id < before && !i.archived);
    const page = older.slice(0, limit);
    return Response.json({
      items: page,
      nextCursor: older.length > limit ? page.at(-1)?.id : undefined,
      unread: counts().unread,
      counts: counts(),
    });
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    items,
    requests,
    failMarks: (fail: boolean) => {
      failMarks = fail;
    },
    /** Pages wait until the returned function is called. */
    holdPages: () => {
      let release = () => {};
      holdGet = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    /** Marks wait until the returned function is called. */
    holdMarks: () => {
      let release = () => {};
      hold = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

function fakeStream() {
  const stream = {
    resumeAfter: [] as Array<string | undefined>,
    emit: undefined as ((event: StreamEvent<Data>, id?: string) => void) | undefined,
    closed: 0,
  };
  const connect: ConnectStream<Data> = (resumeAfter, emit) => {
    stream.resumeAfter.push(resumeAfter);
    stream.emit = emit;
    emit({ type: "status", status: "open" });
    return () => stream.closed++;
  };
  return { stream, connect: connect as ConnectStream<unknown> };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(ids: number[], options: Parameters<typeof createLiveFeed>[1] = {}, tabs = fakeTabs()) {
  const route = fakeRoute(ids);
  const { stream, connect } = fakeStream();
  const live = createLiveFeed<Data>("/api/feed", options, {
    fetch: route.fetch,
    connect,
    BroadcastChannel: tabs.BroadcastChannel,
    locks: tabs.locks,
  });
  const flush = async () => {
    await tabs.flush();
    await settle();
  };
  return { route, stream, live, flush, shown: () => live.getSnapshot().items.map((i) => i.id) };
}

describe("createLiveFeed", () => {
  it("loads the first page, then streams from its newest id; items merge without duplicates", async () => {
    const { route, stream, live, flush, shown } = setup([5, 4, 3, 2, 1], { limit: 3 });
    expect(live.getSnapshot().status).toBe("connecting"); // before start: what a server render shows
    live.start();
    expect(live.getSnapshot().status).toBe("connecting");
    await flush();
    expect(route.requests).toEqual(["GET /api/feed?view=page&limit=3&status=inbox"]);
    expect(stream.resumeAfter).toEqual(["5"]);
    expect(shown()).toEqual([5, 4, 3]);
    expect(live.getSnapshot()).toMatchObject({ status: "open", hasMore: true });
    stream.emit!({ type: "notification", item: item(6) }, "e:6");
    stream.emit!({ type: "notification", item: item(6) }, "e:6");
    stream.emit!({ type: "counts", counts: { total: 6, unseen: 6, unread: 6, archived: 0 } });
    expect(shown()).toEqual([6, 5, 4, 3]);
    expect(live.getSnapshot().counts.unseen).toBe(6);
    await live.loadMore();
    expect(route.requests.at(-1)).toBe("GET /api/feed?view=page&limit=3&status=inbox&before=3");
    expect(shown()).toEqual([6, 5, 4, 3, 2, 1]);
    expect(live.getSnapshot().hasMore).toBe(false);
    live.stop();
    expect(stream.closed).toBe(1);
    expect(live.getSnapshot().status).toBe("closed");
  });

  it("an empty feed streams from id 0, so nothing pushed while the page loaded is lost", async () => {
    const { stream, live, flush } = setup([]);
    live.start();
    await flush();
    expect(stream.resumeAfter).toEqual(["0"]);
    live.stop();
  });

  it("marks apply at once and take the server's counts when it answers", async () => {
    const { route, live, flush, shown } = setup([3, 2, 1]);
    live.start();
    await flush();
    const release = route.holdMarks();
    const done = live.markRead([2]);
    expect(live.getSnapshot().items.find((i) => i.id === 2)).toMatchObject({ read: true, seen: true });
    expect(live.getSnapshot().counts).toMatchObject({ unread: 2, unseen: 2 });
    release();
    await done;
    expect(route.requests.at(-1)).toBe("POST /api/feed");
    expect(live.getSnapshot().counts).toEqual({ total: 3, unseen: 2, unread: 2, archived: 0 });
    await live.archive([3]);
    expect(shown()).toEqual([2, 1]);
    expect(live.getSnapshot().counts).toMatchObject({ total: 2, archived: 1 });
    live.stop();
  });

  it("a refused mark rolls back and sets error, keeping what the stream brought meanwhile", async () => {
    const { route, stream, live, flush, shown } = setup([2, 1]);
    live.start();
    await flush();
    route.failMarks(true);
    const release = route.holdMarks();
    const done = live.archive("all");
    expect(shown()).toEqual([]);
    expect(live.getSnapshot().counts).toMatchObject({ total: 0, archived: 2 });
    stream.emit!({ type: "notification", item: item(3) }, "e:3"); // newer than the mark: not archived
    expect(shown()).toEqual([3]);
    release();
    await done;
    expect(shown()).toEqual([3, 2, 1]);
    expect(live.getSnapshot().error).toBeInstanceOf(FeedError);
    expect(live.getSnapshot().error?.message).toBe("useFeed: POST /api/feed answered 403: FORBIDDEN: nope");
    route.failMarks(false);
    await live.markSeen([1]);
    expect(live.getSnapshot().error).toBeUndefined();
    live.stop();
  });

  it("state events from other tabs set flags; refresh and reset refetch the pages shown", async () => {
    const { route, stream, live, flush, shown } = setup([4, 3, 2, 1], { limit: 2 });
    live.start();
    await flush();
    await live.loadMore();
    stream.emit!({ type: "state", change: { ids: [4, 2], read: true } });
    expect(
      live
        .getSnapshot()
        .items.filter((i) => i.read)
        .map((i) => i.id),
    ).toEqual([4, 2]);
    route.items.splice(1, 1); // 3 deleted elsewhere
    const before = route.requests.length;
    stream.emit!({ type: "refresh" });
    await flush();
    expect(route.requests.slice(before)).toEqual([
      "GET /api/feed?view=page&limit=2&status=inbox",
      "GET /api/feed?view=page&limit=2&status=inbox&before=2",
    ]);
    expect(shown()).toEqual([4, 2, 1]);
    live.stop();
  });

  it("a tab whose first page is slow applies the other tabs' events on top of it", async () => {
    const tabs = fakeTabs();
    const leader = setup([2, 1], {}, tabs);
    leader.live.start();
    await leader.flush();
    const follower = setup([2, 1], {}, tabs);
    const release = follower.route.holdPages();
    follower.live.start();
    await follower.flush();
    leader.stream.emit!({ type: "notification", item: item(3) }, "e:3");
    leader.stream.emit!({ type: "state", change: { ids: [1], read: true } });
    await follower.flush();
    expect(follower.shown()).toEqual([]);
    release();
    await follower.flush();
    expect(follower.shown()).toEqual([3, 2, 1]);
    expect(follower.live.getSnapshot().items.at(-1)).toMatchObject({ id: 1, read: true });
    expect(follower.stream.resumeAfter).toEqual([]); // it follows: no stream of its own
    follower.live.stop();
    leader.live.stop();
  });

  it("says what is wrong with its arguments", () => {
    expect(() => createLiveFeed("")).toThrow(/pass the URL of your feed route/);
    expect(() => createLiveFeed("/f", { limit: 0 })).toThrow(/limit must be a whole number from 1 to 100/);
    expect(() => createLiveFeed("/f", { status: "new" as never })).toThrow(/status must be/);
    const live = createLiveFeed("/f");
    expect(() => live.markRead([0])).toThrow(/markRead\(ids\) takes an array of item ids/);
    expect(() => live.markUnread("all" as never)).toThrow(
      /markUnread\(ids\) takes an array of item ids \(item.id\)\.$/,
    );
  });

  it("a page that is not a feed page (an HTML error, another route) sets error", async () => {
    const { live, flush } = setup([]);
    const html = createLiveFeed<Data>(
      "/api/feed",
      {},
      {
        fetch: (async () => new Response("<html>", { status: 200 })) as typeof fetch,
        connect: fakeStream().connect,
        BroadcastChannel: undefined,
      },
    );
    html.start();
    await flush();
    expect(html.getSnapshot().error?.message).toMatch(/did not answer JSON; is the URL the feed's route/);
    html.stop();
    live.stop();
  });
});
