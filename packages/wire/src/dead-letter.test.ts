import { describe, expect, it } from "vitest";
import { toBase64 } from "./base64";
import { decodeDeadLetter, decodeFailure, FAILURE_TEXT_LIMIT } from "./dead-letter";

describe("decodeFailure", () => {
  it("decodes the route's JSON error, with its fix and issues", () => {
    const body = JSON.stringify({
      error: {
        code: "INVALID_PAYLOAD",
        message: "bad",
        fix: "use z.coerce.date()",
        issues: [{ path: "to", message: "Invalid email" }, { junk: 1 }],
      },
    });
    expect(decodeFailure(489, body)).toEqual({
      status: 489,
      code: "INVALID_PAYLOAD",
      message: "bad",
      fix: "use z.coerce.date()",
      issues: [{ path: "to", message: "Invalid email" }],
      fromRoute: true,
    });
  });

  it("keeps the raw text of an answer that is not the route's, and says so", () => {
    const html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    expect(decodeFailure(502, html)).toEqual({ status: 502, message: html, fromRoute: false });
  });

  it("does not take QStash-style or look-alike JSON for the route's error", () => {
    expect(decodeFailure(500, '{"error":"boom"}').fromRoute).toBe(false);
    expect(decodeFailure(500, '{"error":{"code":1,"message":"x"}}').fromRoute).toBe(false);
    expect(decodeFailure(500, "null").fromRoute).toBe(false);
    expect(decodeFailure(500, '{"error":null}').fromRoute).toBe(false);
  });

  it("cuts a long body and names an empty one or no answer at all", () => {
    const long = "x".repeat(FAILURE_TEXT_LIMIT * 3);
    expect(decodeFailure(500, long).message).toHaveLength(FAILURE_TEXT_LIMIT + 1);
    expect(decodeFailure(503, "").message).toBe("HTTP 503 with an empty body");
    expect(decodeFailure(0, "")).toEqual({
      status: undefined,
      message: "no HTTP answer (timeout, or the connection failed)",
      fromRoute: false,
    });
  });
});

describe("decodeDeadLetter", () => {
  it("reads the target from the destination URL and the body, falling back to base64", () => {
    const decoded = decodeDeadLetter({
      dlqId: "dlq_1",
      messageId: "msg_1",
      url: "https://app.example.com/api/switchboard?channel=notify&subscriber=sms",
      bodyBase64: toBase64(new TextEncoder().encode('{"userId":"ü"}')),
      responseStatus: 500,
      responseBody: '{"error":{"code":"HANDLER_FAILED","message":"down"}}',
      retried: 3,
      maxRetries: 3,
      createdAt: 1_700_000_000_000,
      label: "billing",
    });
    expect(decoded).toMatchObject({
      dlqId: "dlq_1",
      target: { kind: "channel", channel: "notify", subscriber: "sms" },
      body: '{"userId":"ü"}',
      failure: { status: 500, code: "HANDLER_FAILED", message: "down", fromRoute: true },
      attempts: 4,
      maxRetries: 3,
      createdAt: new Date(1_700_000_000_000),
      label: "billing",
      scheduleId: undefined,
    });
  });

  it("survives entries of the wrong shape", () => {
    expect(decodeDeadLetter({})).toBeUndefined();
    expect(decodeDeadLetter({ dlqId: 5 })).toBeUndefined();
    expect(decodeDeadLetter(null as never)).toBeUndefined();
    const odd = decodeDeadLetter({ dlqId: "d", url: "not a url", retried: -1, createdAt: "x", body: 7 });
    expect(odd).toMatchObject({ target: undefined, attempts: undefined, body: "", messageId: "" });
    expect(odd?.createdAt.getTime()).toBe(0);
  });
});
