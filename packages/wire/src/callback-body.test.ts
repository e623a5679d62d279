import { describe, expect, it } from "vitest";
import { toBase64 } from "./base64";
import { type CallbackInput, decodeCallbackBody, encodeCallbackBody } from "./callback-body";
import { WireError } from "./wire-error";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const input: CallbackInput = {
  response: { status: 500, header: { "Retry-After": ["5"] }, body: encoder.encode("boom") },
  source: {
    messageId: "msg_1",
    url: "http://127.0.0.1:3000/api?job=x",
    method: "POST",
    header: { "Content-Type": ["application/json"] },
    body: encoder.encode('{"a":1,"text":"héllo ✓"}'),
    retried: 2,
    maxRetries: 3,
    notBefore: 1000,
    createdAt: 900,
    topicName: "team",
    endpointName: "one",
    callerIp: "127.0.0.1",
  },
  dlqId: "dlq_1",
};

describe("encodeCallbackBody", () => {
  it("has exactly QStash's fields, bodies base64", () => {
    expect(encodeCallbackBody({ ...input, dlqId: undefined })).toEqual({
      status: 500,
      header: { "Retry-After": ["5"] },
      body: toBase64(encoder.encode("boom")),
      retried: 2,
      maxRetries: 3,
      sourceMessageId: "msg_1",
      topicName: "team",
      endpointName: "one",
      url: "http://127.0.0.1:3000/api?job=x",
      method: "POST",
      sourceHeader: { "Content-Type": ["application/json"] },
      sourceBody: toBase64(encoder.encode('{"a":1,"text":"héllo ✓"}')),
      notBefore: 1000,
      createdAt: 900,
      scheduleId: "",
      callerIP: "127.0.0.1",
    });
  });

  it("adds dlqId only for a failure callback", () => {
    expect(encodeCallbackBody(input)).toMatchObject({ dlqId: "dlq_1" });
    expect(encodeCallbackBody({ ...input, dlqId: undefined })).not.toHaveProperty("dlqId");
  });

  it("takes bodies already in base64 as they are", () => {
    const body = encodeCallbackBody({
      ...input,
      response: { status: 200, body: { base64: "b2s=" } },
      source: { ...input.source, body: { base64: "e30=" } },
    });
    expect(body).toMatchObject({ body: "b2s=", sourceBody: "e30=" });
  });
});

describe("decodeCallbackBody", () => {
  it("round-trips what encodeCallbackBody wrote, through JSON", () => {
    const decoded = decodeCallbackBody(JSON.parse(JSON.stringify(encodeCallbackBody(input))));
    expect(decoder.decode(decoded.sourceBody)).toBe('{"a":1,"text":"héllo ✓"}');
    expect(decoded).toMatchObject({
      sourceMessageId: "msg_1",
      status: 500,
      responseText: "boom",
      retried: 2,
      maxRetries: 3,
      dlqId: "dlq_1",
    });
  });

  it("refuses what is not a callback body", () => {
    for (const bad of [null, 1, "x", [], {}, { sourceBody: 1 }, { sourceBody: "not base64!" }]) {
      expect(() => decodeCallbackBody(bad)).toThrow(WireError);
    }
  });

  it("defaults every field but sourceBody rather than trusting its type", () => {
    const decoded = decodeCallbackBody({ sourceBody: "e30=", status: "200", body: "%%%", maxRetries: null });
    expect(decoded).toMatchObject({
      sourceMessageId: "",
      status: 0,
      responseText: "",
      retried: 0,
      maxRetries: 3,
      dlqId: undefined,
    });
  });
});
