import { describe, expect, it } from "vitest";
import type { StoredSchedule } from "./model";
import { messageSettings, newStoredMessage } from "./new-stored-message";

const schedule: StoredSchedule = {
  scheduleId: "scd_1",
  cron: "* * * * *",
  destination: "http://127.0.0.1:3000/job",
  method: "PUT",
  header: { "Content-Type": ["application/json"] },
  body: "e30=",
  retries: 2,
  retryDelay: "1000",
  label: "nightly",
  flowControlKey: "k",
  rate: 5,
  isPaused: false,
  createdAt: 1,
  callerIp: "10.0.0.1",
};

describe("newStoredMessage", () => {
  it("makes a fresh, not yet retried message with a msg_ id and the schedule's delivery settings", () => {
    const message = newStoredMessage(schedule, {
      url: schedule.destination,
      body: schedule.body,
      callerIp: schedule.callerIp,
      notBefore: 10,
      createdAt: 5,
      scheduleId: schedule.scheduleId,
    });
    expect(message.messageId).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(message).toMatchObject({
      url: schedule.destination,
      method: "PUT",
      retries: 2,
      retried: 0,
      retryDelay: "1000",
      label: "nightly",
      flowControlKey: "k",
      rate: 5,
      notBefore: 10,
      createdAt: 5,
      scheduleId: "scd_1",
    });
  });

  it("keeps none of a schedule's own fields (cron, pause, destination) in the message", () => {
    const settings = messageSettings(schedule);
    expect(settings).not.toHaveProperty("cron");
    expect(settings).not.toHaveProperty("isPaused");
    const message = newStoredMessage(schedule, {
      url: schedule.destination,
      body: "",
      callerIp: "127.0.0.1",
      notBefore: 0,
      createdAt: 0,
    });
    expect(Object.keys(message)).not.toContain("cron");
    expect(Object.keys(message)).not.toContain("destination");
    expect(
      newStoredMessage(schedule, { url: "u", body: "", callerIp: "", notBefore: 0, createdAt: 0 }).messageId,
    ).not.toBe(message.messageId);
  });
});
