import { describe, expect, it } from "vitest";
import { fakeTabs } from "../../test/fake-tabs";
import { manualClock } from "../../test/manual-clock";
import type { LiveFeedItem } from "./feed-protocol";
import { type ConnectStream, shareStream } from "./shared-stream";
import type { StreamEvent } from "./stream-event";

const item = (id: number) =>
  ({
    id,
    createdAt: id,
    read: false,
    seen: false,
    archived: false,
    data: `n${id}`,
    count: 1,
    summary: false,
    actors: [],
    actorCount: 0,
    grouped: [],
  }) as LiveFeedItem<string>;

/** A server's stream, by hand: who is connected, from where, and a push to every connection. */
function fakeServer() {
  const open = new Map<
    number,
    { resumeAfter: string | undefined; emit: (e: StreamEvent<string>, id?: string) => void }
  >();
  let next = 0;
  const connect: ConnectStream<string> = (resumeAfter, emit) => {
    const key = next++;
    open.set(key, { resumeAfter, emit });
    emit({ type: "status", status: "open" });
    return () => open.delete(key);
  };
  return {
    connect,
    open,
    push: (id: number) => {
      for (const { emit } of open.values()) emit({ type: "notification", item: item(id) }, `ep0:${id}`);
    },
    resumedFrom: () => [...open.values()].map((c) => c.resumeAfter),
  };
}

function joinAll(
  count: number,
  share: (onEvent: (event: StreamEvent<string>) => void, index: number) => () => void,
): Array<{ ids: number[]; statuses: string[]; leave: () => void }> {
  return Array.from({ length: count }, (_, index) => {
    const tab = { ids: [] as number[], statuses: [] as string[], leave: () => {} };
    tab.leave = share((event) => {
      if (event.type === "notification") tab.ids.push(event.item.id);
      if (event.type === "status") tab.statuses.push(event.status);
    }, index);
    return tab;
  });
}

describe("shareStream", () => {
  it("one stream for every tab; a push reaches all; the next leader resumes after the last event", async () => {
    const tabs = fakeTabs();
    const server = fakeServer();
    const [a, b, c] = joinAll(3, (onEvent) =>
      shareStream({
        name: "http://app.test/api/feed",
        connect: server.connect,
        onEvent,
        resumeAfter: async () => "5",
        BroadcastChannel: tabs.BroadcastChannel,
        locks: tabs.locks,
      }),
    );
    await tabs.flush();
    expect(server.open.size).toBe(1);
    expect(server.resumedFrom()).toEqual(["5"]);
    server.push(6);
    await tabs.flush();
    expect([a!.ids, b!.ids, c!.ids]).toEqual([[6], [6], [6]]);
    expect(b!.statuses.at(-1)).toBe("open"); // told by the leader when b said hello

    a!.leave();
    await tabs.flush();
    expect(server.open.size).toBe(1);
    expect(server.resumedFrom()).toEqual(["ep0:6"]);
    server.push(7);
    await tabs.flush();
    expect([b!.ids, c!.ids]).toEqual([
      [6, 7],
      [6, 7],
    ]);
    b!.leave();
    c!.leave();
    await tabs.flush();
    expect(server.open.size).toBe(0);
    expect(tabs.open("http://app.test/api/feed")).toBe(0);
  });

  it("without Web Locks: heartbeats elect one leader, and a takeover resumes", async () => {
    const tabs = fakeTabs();
    const clock = manualClock();
    const server = fakeServer();
    /** Which tab opened each stream, and whether it is still open. */
    const leaders: Array<{ index: number; open: boolean }> = [];
    const [a, b] = joinAll(2, (onEvent, index) =>
      shareStream({
        name: "feed",
        connect: (resumeAfter, emit) => {
          const entry = { index, open: true };
          leaders.push(entry);
          const stop = server.connect(resumeAfter, emit);
          return () => {
            entry.open = false;
            stop();
          };
        },
        onEvent,
        resumeAfter: async () => undefined,
        BroadcastChannel: tabs.BroadcastChannel,
        locks: undefined,
        clock,
        heartbeatMs: 1000,
      }),
    );
    await tabs.flush();
    await clock.advance(1000);
    await tabs.flush();
    expect(server.open.size).toBe(1);
    server.push(1);
    await tabs.flush();
    // Two tabs that start in the same period may both claim; the higher id steps down at once.
    const current = leaders.filter((l) => l.open);
    expect(current).toHaveLength(1);
    const [leader, follower] = current[0]!.index === 0 ? [a!, b!] : [b!, a!];
    expect(follower.ids).toEqual([1]);
    leader.leave();
    await tabs.flush();
    expect(server.open.size).toBe(1);
    expect(leaders.filter((l) => l.open).map((l) => l.index)).toEqual([current[0]!.index === 0 ? 1 : 0]);
    expect(server.resumedFrom()).toEqual(["ep0:1"]);
    expect(follower.ids).toEqual([1]);
    follower.leave();
  });

  it("without BroadcastChannel, or with share: false, every tab has its own stream", async () => {
    const server = fakeServer();
    const tabs = joinAll(2, (onEvent) =>
      shareStream({
        name: "feed",
        connect: server.connect,
        onEvent,
        resumeAfter: async () => "0",
        BroadcastChannel: undefined,
      }),
    );
    const own = joinAll(1, (onEvent) =>
      shareStream({
        name: "feed",
        connect: server.connect,
        onEvent,
        resumeAfter: async () => "0",
        share: false,
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.open.size).toBe(3);
    for (const tab of [...tabs, ...own]) tab.leave();
    expect(server.open.size).toBe(0);
  });

  it("ignores what is not one of its messages (any script of the origin can post)", async () => {
    const tabs = fakeTabs();
    const server = fakeServer();
    const [a] = joinAll(1, (onEvent) =>
      shareStream({
        name: "feed",
        connect: server.connect,
        onEvent,
        resumeAfter: async () => "0",
        BroadcastChannel: tabs.BroadcastChannel,
        locks: tabs.locks,
      }),
    );
    const stranger = new tabs.BroadcastChannel("feed");
    await tabs.flush();
    for (const message of [
      null,
      "x",
      { feed: "switchboard-feed", kind: "event", event: { type: "notification", item: { id: -1 } } },
      { feed: "switchboard-feed", kind: "event", event: { type: "state", change: { ids: "some" } } },
      { feed: "switchboard-feed", kind: "event", event: { type: "unknown" } },
      { feed: "other", kind: "event", event: { type: "notification", item: item(9) } },
    ])
      stranger.postMessage(message);
    await tabs.flush();
    expect(a!.ids).toEqual([]);
    stranger.close();
    a!.leave();
  });
});
