import { decodeCallbackBody } from "@switchboard/wire";
import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../store/model";
import { callbackPayload } from "./callback-payload";

const source: StoredMessage = {
  messageId: "msg_1",
  url: "http://127.0.0.1:3000/api?job=x",
  method: "POST",
  header: { "Content-Type": ["application/json"] },
  body: Buffer.from('{"a":1}').toString("base64"),
  retries: 3,
  retried: 2,
  notBefore: 1000,
  createdAt: 900,
  callerIp: "127.0.0.1",
  topicName: "team",
  endpointName: "one",
};
const result = { status: 500, responseHeader: { "Retry-After": ["5"] }, responseBody: Buffer.from("boom") };

describe("callbackPayload", () => {
  it("has exactly QStash's fields, bodies base64", () => {
    expect(callbackPayload(source, result)).toEqual({
      status: 500,
      header: { "Retry-After": ["5"] },
      body: Buffer.from("boom").toString("base64"),
      retried: 2,
      maxRetries: 3,
      sourceMessageId: "msg_1",
      topicName: "team",
      endpointName: "one",
      url: "http://127.0.0.1:3000/api?job=x",
      method: "POST",
      sourceHeader: { "Content-Type": ["application/json"] },
      sourceBody: Buffer.from('{"a":1}').toString("base64"),
      notBefore: 1000,
      createdAt: 900,
      scheduleId: "",
      callerIP: "127.0.0.1",
    });
  });

  it("adds dlqId for a failure callback", () => {
    expect(callbackPayload(source, result, "dlq_1")).toMatchObject({
      dlqId: "dlq_1",
      sourceMessageId: "msg_1",
    });
  });

  it("is what the route reads back with the wire format's decodeCallbackBody", () => {
    const decoded = decodeCallbackBody(JSON.parse(JSON.stringify(callbackPayload(source, result, "dlq_1"))));
    expect(decoded).toEqual({
      sourceBody: new Uint8Array(Buffer.from('{"a":1}')),
      sourceMessageId: "msg_1",
      status: 500,
      responseText: "boom",
      retried: 2,
      maxRetries: 3,
      dlqId: "dlq_1",
    });
  });
});
