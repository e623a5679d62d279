import { createHash } from "node:crypto";
import { Receiver } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../store/model";
import { DEFAULT_SIGNING_KEYS } from "../wire/defaults";
import { deliveryHeaders } from "./delivery-headers";

const receiver = new Receiver({
  currentSigningKey: DEFAULT_SIGNING_KEYS.current,
  nextSigningKey: DEFAULT_SIGNING_KEYS.next,
});
const url = "http://127.0.0.1:3000/api/switchboard?job=send-email";
const body = Buffer.from('{"to":"ada@example.com","name":"Ada 🚀"}');
const message: StoredMessage = {
  messageId: "msg_1",
  url,
  method: "POST",
  header: { "Content-Type": ["application/json"], "X-Tenant": ["a", "b"] },
  body: body.toString("base64"),
  retries: 3,
  retried: 2,
  notBefore: 0,
  createdAt: 0,
  callerIp: "127.0.0.1",
  scheduleId: "scd_1",
};

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
}

async function signature(key: string, signedBody = body, now?: number): Promise<string> {
  const headers = await deliveryHeaders({ ...message }, signedBody, key, now);
  return headers.get("Upstash-Signature")!;
}

describe("deliveryHeaders", () => {
  it("carries the message's headers and QStash's", async () => {
    const headers = await deliveryHeaders(message, body, DEFAULT_SIGNING_KEYS.current);
    expect(Object.fromEntries([...headers].filter(([name]) => name !== "upstash-signature"))).toEqual({
      "content-type": "application/json",
      "x-tenant": "a, b",
      "user-agent": "Upstash-QStash",
      "upstash-message-id": "msg_1",
      "upstash-retried": "2",
      "upstash-caller-ip": "127.0.0.1",
      "upstash-schedule-id": "scd_1",
    });
  });

  it("signs a JWT the official Receiver accepts, with QStash's claims and the given time", async () => {
    const jwt = await signature(DEFAULT_SIGNING_KEYS.current, body, 1_700_000_000_999);
    expect(JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString())).toEqual({
      alg: "HS256",
      typ: "JWT",
    });
    expect(claims(jwt)).toMatchObject({
      iss: "Upstash",
      sub: url,
      iat: 1_700_000_000,
      nbf: 1_700_000_000,
      exp: 1_700_000_300,
      body: createHash("sha256").update(body).digest("base64url"),
    });
    const fresh = await signature(DEFAULT_SIGNING_KEYS.current);
    await expect(receiver.verify({ signature: fresh, body: body.toString("utf8"), url })).resolves.toBe(true);
    expect(claims(fresh).jti).not.toBe(claims(await signature(DEFAULT_SIGNING_KEYS.current)).jti);
  });

  it("is accepted with the next key too (key rotation), and rejected for another body, URL or key", async () => {
    const jwt = await signature(DEFAULT_SIGNING_KEYS.next);
    await expect(receiver.verify({ signature: jwt, body: body.toString("utf8"), url })).resolves.toBe(true);
    await expect(receiver.verify({ signature: jwt, body: "{}", url })).rejects.toThrow(/body hash/);
    await expect(
      receiver.verify({ signature: jwt, body: body.toString(), url: `${url}&x=1` }),
    ).rejects.toThrow(/subject/);
    await expect(
      receiver.verify({ signature: await signature("sig_wrong"), body: body.toString(), url }),
    ).rejects.toThrow();
  });
});
