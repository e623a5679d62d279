import { describe, expect, it } from "vitest";
import { useDevServer } from "../testing/use-dev-server";

const t = useDevServer({ speed: 600 });

describe("schedules API", () => {
  it("pauses and resumes with POST as the docs say, as well as the SDK's PATCH", async () => {
    await t.client.schedules.create({
      destination: `${t.sink.url}/s`,
      cron: "0 0 1 1 *",
      scheduleId: "yearly",
    });
    const call = (action: string) =>
      fetch(`${t.dev.url}/v2/schedules/yearly/${action}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${t.dev.token}` },
      });
    expect((await call("pause")).status).toBe(200);
    const paused = await t.client.schedules.get("yearly");
    expect(paused.isPaused).toBe(true);
    expect(paused.nextScheduleTime).toBeUndefined();
    expect((await call("resume")).status).toBe(200);
    const schedule = await t.client.schedules.get("yearly");
    expect(schedule.isPaused).toBe(false);
    expect(new Date(schedule.nextScheduleTime!).getUTCDate()).toBe(1);
  });

  it("keeps the schedule's settings and delivers them with every run", async () => {
    await t.client.schedules.create({
      destination: `${t.sink.url}/digest?team=eng`,
      cron: "* * * * *",
      scheduleId: "digest",
      method: "PUT",
      headers: { "X-Team": "eng" },
      retries: 0,
      label: "digests",
    });
    const [run] = await t.sink.waitFor(1, undefined, 5000);
    expect(run).toMatchObject({ method: "PUT", path: "/digest?team=eng" });
    expect(run!.headers).toMatchObject({ "x-team": "eng", "upstash-schedule-id": "digest" });
    expect(await t.client.schedules.get("digest")).toMatchObject({
      method: "PUT",
      retries: 0,
      label: "digests",
      header: { "X-Team": ["eng"] },
      lastScheduleTime: expect.any(Number),
    });
    await t.client.schedules.delete("digest");
    await expect(t.client.schedules.get("digest")).rejects.toThrow(/not found/);
  });

  it("rejects a bad time zone and a missing cron with a message", async () => {
    await expect(
      t.client.schedules.create({ destination: `${t.sink.url}/x`, cron: "CRON_TZ=Mars/Olympus 0 9 * * *" }),
    ).rejects.toThrow(/not an IANA time zone/);
    const response = await fetch(`${t.dev.url}/v2/schedules/${t.sink.url}/x`, {
      method: "POST",
      headers: { Authorization: `Bearer ${t.dev.token}` },
    });
    expect(await response.json()).toEqual({
      error: expect.stringMatching(/Upstash-Cron header is required/),
    });
  });
});

describe("schedules", () => {
  it("fires a cron schedule with Upstash-Schedule-Id, and pauses, resumes and deletes it", async () => {
    // Every minute → every 100 ms at speed 600.
    const { scheduleId } = await t.client.schedules.create({
      destination: `${t.sink.url}/cron?job=digest`,
      cron: "* * * * *",
      body: JSON.stringify({ team: "eng" }),
      headers: { "Content-Type": "application/json" },
      scheduleId: "digest.daily",
    });
    expect(scheduleId).toBe("digest.daily");
    const [first] = await t.sink.waitFor(1, undefined, 5000);
    expect(first?.headers["upstash-schedule-id"]).toBe("digest.daily");
    expect(first?.verified).toBe(true);
    expect(JSON.parse(first!.body)).toEqual({ team: "eng" });
    expect(await t.client.schedules.get(scheduleId)).toMatchObject({ cron: "* * * * *", isPaused: false });

    await t.client.schedules.pause({ schedule: scheduleId });
    const count = t.sink.received.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(t.sink.received.length).toBeLessThanOrEqual(count + 1); // at most one already in flight
    const paused = t.sink.received.length;
    await t.client.schedules.resume({ schedule: scheduleId });
    await t.sink.waitFor(paused + 1, undefined, 5000);

    await t.client.schedules.delete(scheduleId);
    expect(await t.client.schedules.list()).toEqual([]);
  });

  it("accepts CRON_TZ, upserts by id and rejects bad crons", async () => {
    await t.client.schedules.create({
      destination: `${t.sink.url}/tz`,
      cron: "CRON_TZ=Europe/Berlin 0 9 * * *",
      scheduleId: "s1",
    });
    await t.client.schedules.create({
      destination: `${t.sink.url}/tz`,
      cron: "0 10 * * *",
      scheduleId: "s1",
    });
    expect(await t.client.schedules.list()).toEqual([
      expect.objectContaining({ scheduleId: "s1", cron: "0 10 * * *" }),
    ]);
    await expect(
      t.client.schedules.create({ destination: `${t.sink.url}/tz`, cron: "every day" }),
    ).rejects.toThrow(/5 fields/);
  });
});
