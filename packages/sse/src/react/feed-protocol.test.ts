import { describe, expect, it } from "vitest";
import { readCounts, readItem, readPage, readStateChange } from "./feed-protocol";
import { laterEventId, readStreamEvent } from "./stream-event";

const item = {
  id: 3,
  createdAt: 1,
  read: false,
  seen: false,
  archived: false,
  data: { title: "x" },
  groupKey: "t:1",
  count: 2,
  summary: false,
  category: "comments",
  actors: [{ id: "u_1" }],
  actorCount: 1,
  grouped: [{ title: "x" }],
};
const counts = { total: 1, unseen: 1, unread: 1, archived: 0 };

describe("what the hook accepts from the route, the stream and other tabs", () => {
  it("takes a well-formed item, page, counts and state change", () => {
    expect(readItem(item)).toBe(item);
    expect(readPage({ items: [item], nextCursor: null, unread: 1, counts })).toEqual({
      items: [item],
      nextCursor: undefined,
      counts,
    });
    expect(readStateChange({ ids: [3], read: true, extra: 1 })).toEqual({ ids: [3], read: true });
    expect(readStateChange({ ids: "all", archived: false })).toEqual({ ids: "all", archived: false });
  });

  it("refuses what is not (an HTML page, another route's JSON, a forged message)", () => {
    for (const bad of [
      null,
      "3",
      [],
      { ...item, id: "3" },
      { ...item, id: 0 },
      { ...item, id: 2 ** 60 },
      { ...item, read: "no" },
      { ...item, seen: undefined },
      { ...item, actors: "Ada" },
      { ...item, groupKey: 7 },
      { ...item, count: -1 },
      { ...item, createdAt: Number.NaN },
    ])
      expect(readItem(bad)).toBeUndefined();
    expect(readPage({ items: [item, { id: 1 }], counts })).toBeUndefined();
    expect(readPage({ items: [item], nextCursor: "3", counts })).toBeUndefined();
    expect(readPage({ items: [item], unread: 1 })).toBeUndefined(); // no counts
    expect(readCounts({ ...counts, unseen: -1 })).toBeUndefined();
    expect(readCounts({ ...counts, total: "1" })).toBeUndefined();
    expect(readStateChange({ ids: "some" })).toBeUndefined();
    expect(readStateChange({ ids: [1, -2] })).toBeUndefined();
    expect(readStateChange({ ids: [1], read: "yes" })).toBeUndefined();
    expect(readStreamEvent({ type: "status", status: "hacked" })).toBeUndefined();
    expect(readStreamEvent({ type: "unread", unread: 1.5 })).toBeUndefined();
    expect(readStreamEvent({ type: "__proto__" })).toBeUndefined();
  });

  it("keeps the later event id: the higher id in one epoch, the newer epoch otherwise", () => {
    expect(laterEventId(undefined, "ab:3")).toBe("ab:3");
    expect(laterEventId("ab:5", "ab:3")).toBe("ab:5"); // a late message of the previous leader
    expect(laterEventId("ab:5", "ab:6")).toBe("ab:6");
    expect(laterEventId("ab:5", "cd:1")).toBe("cd:1"); // the feed was created again
    expect(laterEventId("ab:5", "x\ny:7")).toBe("ab:5"); // not an event id
    expect(laterEventId("ab:5", "9".repeat(30))).toBe("ab:5");
  });
});
