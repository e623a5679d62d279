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

  it("keeps FIFO order and removal through thousands waiting", () => {
    const started: number[] = [];
    const gate = new Gate<number>({ parallelism: 1 }, (n) => void started.push(n));
    for (let n = 0; n < 5_000; n++) gate.enter(n);
    for (let i = 0; i < 3_000; i++) gate.leave();
    gate.remove((n) => n === 4_000);
    expect(gate.waitingCount).toBe(1_998);
    expect(gate.waiting[0]).toBe(3_001);
    while (gate.waitingCount > 0) gate.leave();
    expect(started).toEqual(Array.from({ length: 5_000 }, (_, n) => n).filter((n) => n !== 4_000));
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
