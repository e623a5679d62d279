import { describe, expect, it } from "vitest";
import { createReporter } from "./reporter";

const base = {
  messageId: "msg_1",
  url: "http://127.0.0.1:3000/api/switchboard?job=send-email",
  attempt: 1,
  ms: 41,
};

describe("createReporter", () => {
  it("prints one line per delivery with status, path and query, attempt and duration", () => {
    const lines: string[] = [];
    const reporter = createReporter("pretty", (l) => void lines.push(l));
    reporter.report({ type: "delivered", status: 200, ...base });
    reporter.report({ type: "retry", status: 500, ...base, nextInMs: 12_182, error: "SMS provider is down" });
    reporter.report({ type: "dead-letter", status: 489, ...base, attempt: 4, dlqId: "dlq_9", error: "nope" });
    expect(lines[0]).toMatch(/200\s+\/api\/switchboard\?job=send-email\s+attempt 1\s+41ms\s+✓\n$/);
    expect(lines[1]).toMatch(/500 .* ↻ RETRY in 12\.2s\s+\(SMS provider is down\)/);
    expect(lines[2]).toMatch(/489 .*attempt 4 .*✗ DEAD LETTER dlq_9/);
  });

  it("says when a due schedule could not fire, and that it keeps its schedule", () => {
    const lines: string[] = [];
    const reporter = createReporter("pretty", (l) => void lines.push(l));
    reporter.report({ type: "schedule-failed", scheduleId: "scd_1", url: base.url, error: "disk full" });
    expect(lines[0]).toMatch(/CRON ✗ scd_1 → \/api\/switchboard\?job=send-email did not fire: disk full/);
  });

  it("marks callback deliveries with the message they report on", () => {
    const lines: string[] = [];
    const reporter = createReporter("pretty", (l) => void lines.push(l));
    reporter.report({
      type: "delivered",
      status: 200,
      ...base,
      callbackOf: { sourceMessageId: "msg_0", kind: "failure" },
    });
    expect(lines[0]).toMatch(/✓ {2}\(failure callback for msg_0\)\n$/);
  });

  it("prints one line per accepted message: path and query, the wait, the queue and the id", () => {
    const lines: string[] = [];
    const reporter = createReporter("pretty", (l) => void lines.push(l));
    reporter.report({ type: "queued", messageId: "msg_1", url: base.url, inMs: 30_000 });
    reporter.report({ type: "queued", messageId: "msg_2", url: base.url, inMs: 0, queueName: "emails" });
    reporter.report({ type: "queued", messageId: "msg_3", url: base.url, inMs: 0, urlGroup: "ops" });
    expect(lines[0]).toMatch(/ {2}queued → \/api\/switchboard\?job=send-email {2}in 30s {2}msg_1\n$/);
    expect(lines[1]).toMatch(/ {2}queued → \/api\/switchboard\?job=send-email {2}queue emails {2}msg_2\n$/);
    expect(lines[2]).toMatch(/ {2}queued → \/api\/switchboard\?job=send-email {2}url group ops {2}msg_3\n$/);
  });

  it("prints a created or updated schedule with its cron and next run", () => {
    const lines: string[] = [];
    const reporter = createReporter("pretty", (l) => void lines.push(l));
    const schedule = { scheduleId: "scd_1", url: base.url, cron: "0 9 * * *" };
    reporter.report({
      type: "schedule-created",
      ...schedule,
      updated: false,
      nextInMs: 3_600_000 + 5 * 60_000,
    });
    reporter.report({ type: "schedule-created", ...schedule, updated: true, queueName: "digests" });
    expect(lines[0]).toMatch(
      / {2}schedule scd_1 → \/api\/switchboard\?job=send-email {2}cron "0 9 \* \* \*" {2}next in 1h 5m\n$/,
    );
    expect(lines[1]).toMatch(
      / {2}schedule scd_1 updated → \/api\/switchboard\?job=send-email {2}cron "0 9 \* \* \*" {2}queue digests\n$/,
    );
  });

  it("writes waits the way people say them", () => {
    const lines: string[] = [];
    const reporter = createReporter("pretty", (l) => void lines.push(l));
    for (const inMs of [250, 1_000, 12_182, 119_900, 148_000, 7_260_000, 2 * 86_400_000 + 3 * 3_600_000])
      reporter.report({ type: "queued", messageId: "m", url: base.url, inMs });
    expect(lines.map((l) => / in (.+?) {2}/.exec(l)?.[1])).toEqual([
      "250ms",
      "1s",
      "12.2s",
      "2m",
      "2m 28s",
      "2h 1m",
      "2d 3h",
    ]);
  });

  it("prints one JSON object per event, or nothing when quiet", () => {
    const lines: string[] = [];
    createReporter("json", (l) => void lines.push(l)).report({ type: "delivered", status: 200, ...base });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      type: "delivered",
      status: 200,
      attempt: 1,
      time: expect.any(String),
    });
    createReporter("json", (l) => void lines.push(l)).report({
      type: "queued",
      messageId: "msg_2",
      url: base.url,
      inMs: 30_000,
      queueName: "emails",
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ type: "queued", inMs: 30_000, queueName: "emails" });
    const quiet = createReporter("quiet", (l) => void lines.push(l));
    quiet.report({ type: "delivered", status: 200, ...base });
    quiet.report({ type: "queued", messageId: "msg_3", url: base.url, inMs: 0 });
    expect(lines).toHaveLength(2);
  });
});
