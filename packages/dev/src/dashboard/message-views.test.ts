import { describe, expect, it } from "vitest";
import type { DevEvent, DlqEntry, StoredMessage } from "../store/model";
import { messageViews } from "./message-views";

const URL_ = "http://127.0.0.1:3000/api/switchboard?job=charge";
const body = Buffer.from('{"customerId":"c_1"}').toString("base64");
let seq = 0;
const event = (state: DevEvent["state"], time: number, extra: Partial<DevEvent> = {}): DevEvent => ({
  seq: ++seq,
  time,
  messageId: "msg_1",
  state,
  url: URL_,
  body,
  label: "billing,urgent",
  queueName: "payments",
  ...extra,
});
const stored = (extra: Partial<StoredMessage> = {}): StoredMessage => ({
  messageId: "msg_2",
  url: "https://example.com/hook",
  method: "POST",
  header: {},
  body: Buffer.from("plain text").toString("base64"),
  retries: 3,
  retried: 0,
  notBefore: 5000,
  createdAt: 4000,
  callerIp: "127.0.0.1",
  ...extra,
});
const error = (message: string) => `JOB_FAILED: ${message} — fix: retry later`;

describe("messageViews", () => {
  it("pairs each attempt's start with its outcome, for its latency and reason", () => {
    const events = [
      event("CREATED", 1000),
      event("ACTIVE", 1010),
      event("ERROR", 1040, { responseStatus: 500, error: error("down") }),
      event("RETRY", 1040, { responseStatus: 500, error: error("down"), nextDeliveryTime: 1100 }),
      event("ACTIVE", 1100),
      event("DELIVERED", 1125, { responseStatus: 200 }),
    ];
    const { messages } = messageViews({ events, messages: new Map(), dlq: new Map() });
    expect(messages).toEqual([
      {
        messageId: "msg_1",
        url: URL_,
        target: { kind: "job", job: "charge", route: "http://127.0.0.1:3000/api/switchboard" },
        state: "delivered",
        createdAt: 1000,
        payload: '{"customerId":"c_1"}',
        labels: ["billing", "urgent"],
        queueName: "payments",
        attempts: [
          {
            number: 1,
            startedAt: 1010,
            status: 500,
            ms: 30,
            ok: false,
            reason: { code: "JOB_FAILED", message: "down", fix: "retry later" },
          },
          { number: 2, startedAt: 1100, status: 200, ms: 25, ok: true },
        ],
      },
    ]);
  });

  it("says when a retrying message is due, and that an attempt is in flight", () => {
    const retrying = messageViews({
      events: [
        event("CREATED", 1000),
        event("ACTIVE", 1010),
        event("ERROR", 1020, { responseStatus: 503 }),
      ].concat(event("RETRY", 1020, { responseStatus: 503, nextDeliveryTime: 2000 })),
      messages: new Map(),
      dlq: new Map(),
    }).messages[0]!;
    expect(retrying).toMatchObject({ state: "retrying", nextAt: 2000 });
    const inFlight = messageViews({
      events: [event("CREATED", 1000), event("ACTIVE", 1010)],
      messages: new Map(),
      dlq: new Map(),
    }).messages[0]!;
    expect(inFlight.state).toBe("delivering");
    expect(inFlight.attempts).toEqual([{ number: 1, startedAt: 1010 }]);
  });

  it("gives a dead letter the route's error from its response body", () => {
    const entry: DlqEntry = {
      ...stored({ messageId: "msg_1", url: URL_, body }),
      dlqId: "dlq_1",
      responseStatus: 500,
      responseHeader: {},
      responseBody: JSON.stringify({
        error: { code: "JOB_FAILED", message: "card declined", fix: "use another card" },
      }),
      failedAt: 1050,
    };
    const { messages, deadLetters } = messageViews({
      events: [
        event("CREATED", 1000),
        event("ACTIVE", 1010),
        event("FAILED", 1050, { responseStatus: 500, error: "x" }),
      ],
      messages: new Map(),
      dlq: new Map([["dlq_1", entry]]),
    });
    const reason = { code: "JOB_FAILED", message: "card declined", fix: "use another card" };
    expect(deadLetters).toEqual([
      expect.objectContaining({ dlqId: "dlq_1", failedAt: 1050, reason, state: "failed" }),
    ]);
    expect(messages[0]!.attempts[0]!.reason).toEqual(reason);
  });

  it("shows stored messages with no events this run (restored from --data-dir), newest first", () => {
    const { messages } = messageViews({
      events: [event("CREATED", 1000)],
      messages: new Map([["msg_2", stored()]]),
      dlq: new Map(),
    });
    expect(messages.map((m) => [m.messageId, m.state, m.target.kind, m.nextAt])).toEqual([
      ["msg_2", "pending", "url", 5000],
      ["msg_1", "pending", "job", undefined],
    ]);
    expect(messages[0]!.payload).toBe("plain text");
  });

  it("hides what Upstash-Redact-Fields names, as the API does", () => {
    const { messages } = messageViews({
      events: [],
      messages: new Map([["msg_2", stored({ redact: { body: true } })]]),
      dlq: new Map(),
    });
    expect(messages[0]!.payload).not.toContain("plain text");
    expect(messages[0]!.payload).toMatch(/^REDACTED/);
  });
});
