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

  it("prints one JSON object per event, or nothing when quiet", () => {
    const lines: string[] = [];
    createReporter("json", (l) => void lines.push(l)).report({ type: "delivered", status: 200, ...base });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      type: "delivered",
      status: 200,
      attempt: 1,
      time: expect.any(String),
    });
    createReporter("quiet", (l) => void lines.push(l)).report({ type: "delivered", status: 200, ...base });
    expect(lines).toHaveLength(1);
  });
});
