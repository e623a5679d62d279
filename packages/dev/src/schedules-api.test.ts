import { describe, expect, it } from "vitest";
import { useDevServer } from "./use-dev-server";

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
