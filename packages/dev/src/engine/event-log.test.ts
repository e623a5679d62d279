import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../store/model";
import { EventLog } from "./event-log";

const message = (id: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  messageId: id,
  url: `http://127.0.0.1:3000/job?id=${id}`,
  method: "POST",
  header: { "Content-Type": ["application/json"] },
  body: "e30=",
  retries: 3,
  retried: 0,
  notBefore: 0,
  createdAt: 0,
  callerIp: "127.0.0.1",
  ...extra,
});

describe("EventLog", () => {
  it("lists events oldest first with the message's fields and each event's own", () => {
    const log = new EventLog(10);
    const m = message("msg_1", { queueName: "emails", label: "welcome" });
    log.add(m, "CREATED", 1_000);
    log.add(m, "ERROR", 2_000, 500, "boom");
    log.add(m, "RETRY", 2_000, 500, "boom", 9_000);
    expect(log.lastSeq).toBe(3);
    const [created, error, retry] = log.list();
    expect(created).toEqual({
      seq: 1,
      time: 1_000,
      messageId: "msg_1",
      state: "CREATED",
      url: m.url,
      queueName: "emails",
      label: "welcome",
      callerIp: "127.0.0.1",
      header: m.header,
      body: "e30=",
    });
    expect(created?.responseStatus).toBeUndefined();
    expect(created?.nextDeliveryTime).toBeUndefined();
    expect(error).toMatchObject({ seq: 2, state: "ERROR", responseStatus: 500, error: "boom" });
    expect(retry).toMatchObject({ seq: 3, state: "RETRY", nextDeliveryTime: 9_000 });
  });

  it("keeps the last `capacity` events, numbered on across the wrap", () => {
    const log = new EventLog(3);
    expect(log.lastSeq).toBeUndefined();
    expect(log.list()).toEqual([]);
    for (let i = 1; i <= 7; i++) log.add(message(`msg_${i}`), "DELIVERED", i, 200);
    expect(log.size).toBe(3);
    expect(log.lastSeq).toBe(7);
    expect(log.list().map((e) => [e.seq, e.messageId, e.time])).toEqual([
      [5, "msg_5", 5],
      [6, "msg_6", 6],
      [7, "msg_7", 7],
    ]);
  });

  it("hands out new records on every read", () => {
    const log = new EventLog(2);
    log.add(message("msg_1"), "CANCELED", 1);
    const first = log.list();
    first[0]!.state = "FAILED";
    expect(log.list()[0]?.state).toBe("CANCELED");
  });

  it("refuses a capacity that is not a whole number >= 1", () => {
    expect(() => new EventLog(0)).toThrow(RangeError);
    expect(() => new EventLog(1.5)).toThrow(/whole number/);
  });
});
