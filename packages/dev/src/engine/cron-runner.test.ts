import { afterEach, describe, expect, it, vi } from "vitest";
import type { StoredSchedule } from "../store/model";
import { CronRunner, parseCron } from "./cron-runner";

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

describe("CronRunner next-fire times (fake clock)", () => {
  afterEach(() => void vi.useRealTimers());

  /** Runs a schedule on a fake clock from `from` to `until` and returns when it fired (ISO, UTC). */
  function fireTimes(cron: string, from: string, until: string, speed = 1): string[] {
    vi.useFakeTimers({ now: Date.parse(from) });
    const times: string[] = [];
    const runner = new CronRunner(speed, () => void times.push(new Date().toISOString()));
    runner.start(schedule(cron));
    vi.advanceTimersByTime(Date.parse(until) - Date.parse(from));
    runner.close();
    return times;
  }

  it("fires a yearly cron on 1 January (UTC, as QStash), not when a Node timer overflows ~23 days in", () => {
    expect(fireTimes("0 0 1 1 *", "2025-01-01T00:00:30Z", "2027-01-01T00:00:01Z")).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
    ]);
  });

  it("fires a monthly cron on the 31st only in months that have one", () => {
    expect(fireTimes("0 0 31 * *", "2025-01-15T00:00:00Z", "2025-08-01T00:00:00Z")).toEqual([
      "2025-01-31T00:00:00.000Z",
      "2025-03-31T00:00:00.000Z",
      "2025-05-31T00:00:00.000Z",
      "2025-07-31T00:00:00.000Z",
    ]);
  });

  it("keeps CRON_TZ wall-clock time across a DST change", () => {
    // Europe/Berlin moves from UTC+1 to UTC+2 on 30 March 2025 and back on 26 October.
    expect(
      fireTimes("CRON_TZ=Europe/Berlin 0 9 * * *", "2025-03-28T12:00:00Z", "2025-04-01T00:00:00Z"),
    ).toEqual(["2025-03-29T08:00:00.000Z", "2025-03-30T07:00:00.000Z", "2025-03-31T07:00:00.000Z"]);
    expect(
      fireTimes("CRON_TZ=Europe/Berlin 0 9 * * *", "2025-10-25T12:00:00Z", "2025-10-28T00:00:00Z"),
    ).toEqual(["2025-10-26T08:00:00.000Z", "2025-10-27T08:00:00.000Z"]);
  });

  it("with speed, fires a yearly cron once per virtual year", () => {
    // speed 1000: a year of cron time passes in 8.76 h of (fake) real time.
    const times = fireTimes("0 0 1 1 *", "2025-01-01T00:00:30Z", "2025-01-01T18:00:00Z", 1000);
    expect(times).toHaveLength(2);
  });

  it("keeps firing after the fire callback throws, and reports the error", () => {
    vi.useFakeTimers({ now: Date.parse("2025-01-01T00:00:30Z") });
    const errors: unknown[] = [];
    let calls = 0;
    const runner = new CronRunner(
      1,
      () => {
        calls++;
        throw new Error("disk full");
      },
      (_schedule, error) => void errors.push(error),
    );
    runner.start(schedule("* * * * *"));
    vi.advanceTimersByTime(3 * 60_000);
    runner.close();
    expect(calls).toBe(3);
    expect(errors.map(String)).toEqual(["Error: disk full", "Error: disk full", "Error: disk full"]);
  });
});
