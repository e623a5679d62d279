import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../store/model";
import { toApiDlq, toApiMessage } from "./api-message";

const message = (body: Buffer, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  messageId: "msg_1",
  url: "http://127.0.0.1:3000/x",
  method: "POST",
  header: {},
  body: body.toString("base64"),
  retries: 3,
  retried: 0,
  notBefore: 1,
  createdAt: 1,
  callerIp: "127.0.0.1",
  ...extra,
});

describe("toApiMessage", () => {
  it("answers the body as text, adding bodyBase64 only when it is not UTF-8", () => {
    expect(toApiMessage(message(Buffer.from("héllo")))).not.toHaveProperty("bodyBase64");
    const binary = Buffer.from([0xff, 0xfe]);
    expect(toApiMessage(message(binary)).bodyBase64).toBe(binary.toString("base64"));
  });

  it("splits comma-joined labels as the SDK joins them", () => {
    expect(toApiMessage(message(Buffer.alloc(0), { label: "a,b" }))).toMatchObject({
      label: "a",
      labels: ["a", "b"],
    });
  });

  it("adds the response to a DLQ entry", () => {
    const entry = {
      ...message(Buffer.from("{}")),
      dlqId: "dlq_1",
      responseStatus: 500,
      responseHeader: {},
      responseBody: "boom",
      failedAt: 2,
    };
    expect(toApiDlq(entry)).toMatchObject({ dlqId: "dlq_1", responseStatus: 500, responseBody: "boom" });
  });
});
