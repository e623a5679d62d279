import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DueTimeline } from "./due-timeline";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const now = () => Date.now();

describe("DueTimeline", () => {
  it("hands out entries at their time, in due order and publish order among equals", () => {
    const handed: string[] = [];
    const timeline = new DueTimeline<string>((item) => void handed.push(item), 256, now);
    timeline.add("c", now() + 300, "c");
    timeline.add("a", now() + 100, "a");
    timeline.add("b1", now() + 200, "b1");
    timeline.add("b2", now() + 200, "b2");
    vi.advanceTimersByTime(99);
    expect(handed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(handed).toEqual(["a"]);
    vi.advanceTimersByTime(100);
    expect(handed).toEqual(["a", "b1", "b2"]);
    vi.advanceTimersByTime(100);
    expect(handed).toEqual(["a", "b1", "b2", "c"]);
    expect(timeline.size).toBe(0);
  });

  it("hands out thousands due at once in slices, one slice per turn", () => {
    const handed: number[] = [];
    const timeline = new DueTimeline<number>((item) => void handed.push(item), 100, now);
    for (let i = 0; i < 1_000; i++) timeline.add(`m${i}`, now(), i);
    expect(handed).toEqual([]); // nothing inside add: the caller's turn is never held
    vi.runOnlyPendingTimers();
    expect(handed).toEqual(Array.from({ length: 100 }, (_, i) => i));
    vi.runOnlyPendingTimers();
    expect(handed).toHaveLength(200);
    vi.runAllTimers();
    expect(handed).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  });

  it("drops a removed entry and replaces one added again under the same id", () => {
    const handed: string[] = [];
    const timeline = new DueTimeline<string>((item) => void handed.push(item), 256, now);
    timeline.add("gone", now() + 10, "gone");
    timeline.add("moved", now() + 10, "moved-early");
    timeline.add("moved", now() + 50, "moved-late");
    expect(timeline.remove("gone")).toBe(true);
    expect(timeline.remove("gone")).toBe(false);
    vi.advanceTimersByTime(10);
    expect(handed).toEqual([]);
    vi.advanceTimersByTime(40);
    expect(handed).toEqual(["moved-late"]);
  });

  it("wakes earlier for an entry added ahead of the one it waits for", () => {
    const handed: string[] = [];
    const timeline = new DueTimeline<string>((item) => void handed.push(item), 256, now);
    timeline.add("late", now() + 1_000, "late");
    timeline.add("early", now() + 10, "early");
    vi.advanceTimersByTime(10);
    expect(handed).toEqual(["early"]);
  });

  it("waits past the ~24.8-day limit of a Node timer", () => {
    const handed: string[] = [];
    const timeline = new DueTimeline<string>((item) => void handed.push(item), 256, now);
    const days40 = 40 * 24 * 3_600_000;
    timeline.add("far", now() + days40, "far");
    vi.advanceTimersByTime(days40 - 1);
    expect(handed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(handed).toEqual(["far"]);
  });

  it("hands out nothing once closed", () => {
    const handed: string[] = [];
    const timeline = new DueTimeline<string>((item) => void handed.push(item), 256, now);
    timeline.add("a", now() + 10, "a");
    timeline.close();
    timeline.add("b", now(), "b");
    vi.runAllTimers();
    expect(handed).toEqual([]);
  });
});
