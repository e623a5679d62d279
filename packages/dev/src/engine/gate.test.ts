import { describe, expect, it } from "vitest";
import { Gate } from "./gate";

describe("Gate", () => {
  it("admits in FIFO order within the parallelism", () => {
    const started: number[] = [];
    const gate = new Gate<number>({ parallelism: 2 }, (n) => void started.push(n));
    for (const n of [1, 2, 3, 4]) gate.enter(n);
    expect(started).toEqual([1, 2]);
    gate.leave();
    expect(started).toEqual([1, 2, 3]);
    expect(gate.waiting).toEqual([4]);
  });

  it("holds everything while paused", () => {
    const started: number[] = [];
    const gate = new Gate<number>({ paused: true }, (n) => void started.push(n));
    gate.enter(1);
    expect(started).toEqual([]);
    gate.limits = { paused: false };
    gate.pump();
    expect(started).toEqual([1]);
  });

  it("limits starts per period and wakes itself for the next period", async () => {
    const started: number[] = [];
    const gate = new Gate<number>({ rate: 2, periodMs: 50 }, (n) => {
      started.push(n);
      queueMicrotask(() => gate.leave());
    });
    for (const n of [1, 2, 3]) gate.enter(n);
    expect(started).toEqual([1, 2]);
    expect(gate.rateWindow().count).toBe(2);
    await expect.poll(() => started, { timeout: 1000 }).toEqual([1, 2, 3]);
    gate.close();
  });

  it("starts a new rate period on resetRate", () => {
    const started: number[] = [];
    const gate = new Gate<number>({ rate: 1, periodMs: 60_000 }, (n) => void started.push(n));
    gate.enter(1);
    gate.enter(2);
    expect(started).toEqual([1]);
    gate.resetRate();
    expect(started).toEqual([1, 2]);
    gate.close();
  });
});
