import { describe, expect, it } from "vitest";
import { CronRunner, parseCron } from "./cron-runner";
import type { StoredSchedule } from "./model";

const schedule = (cron: string, extra: Partial<StoredSchedule> = {}): StoredSchedule => ({
  scheduleId: "s1",
  cron,
  destination: "http://127.0.0.1:1/x",
  method: "POST",
  header: {},
  body: "",
  retries: 3,
  isPaused: false,
  createdAt: 0,
  callerIp: "127.0.0.1",
  ...extra,
});

describe("parseCron", () => {
  it("splits QStash's CRON_TZ prefix", () => {
    expect(parseCron("*/5 * * * *")).toEqual({ pattern: "*/5 * * * *" });
    expect(parseCron("CRON_TZ=Europe/Berlin 0 9 * * 1-5")).toEqual({
      pattern: "0 9 * * 1-5",
      timezone: "Europe/Berlin",
    });
  });

  it("rejects crons QStash would reject, saying why", () => {
    expect(() => parseCron("every day")).toThrow(/5 fields/);
    expect(() => parseCron("* * * * * *")).toThrow(/5 fields/);
    expect(() => parseCron("61 * * * *")).toThrow(/invalid/);
    expect(() => parseCron("CRON_TZ=Nowhere/City 0 9 * * *")).toThrow(/invalid/);
  });
});

describe("CronRunner", () => {
  it("fires on a virtual clock sped up by `speed`, and stops", async () => {
    const fired: string[] = [];
    const runner = new CronRunner(60_000 / 20, (s) => void fired.push(s.scheduleId)); // 1 min → 20 ms
    runner.start(schedule("* * * * *"));
    await expect.poll(() => fired.length, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    runner.stop("s1");
    const count = fired.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(fired.length).toBe(count);
    runner.close();
  });

  it("does not fire a paused schedule and reports its next run otherwise", () => {
    const fired: string[] = [];
    const runner = new CronRunner(1, (s) => void fired.push(s.scheduleId));
    runner.start(schedule("* * * * *", { isPaused: true }));
    expect(runner.nextRun(schedule("* * * * *", { isPaused: true }))).toBeUndefined();
    const next = runner.nextRun(schedule("CRON_TZ=Asia/Tokyo 0 9 * * *"))!;
    expect(new Date(next).getUTCHours()).toBe(0); // 09:00 in Tokyo is 00:00 UTC
    runner.close();
    expect(fired).toEqual([]);
  });
});
