import { createHash } from "node:crypto";
import { Receiver } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import { DEFAULT_SIGNING_KEYS } from "./defaults";
import { signDelivery } from "./sign-delivery";

const receiver = new Receiver({
  currentSigningKey: DEFAULT_SIGNING_KEYS.current,
  nextSigningKey: DEFAULT_SIGNING_KEYS.next,
});
const url = "http://127.0.0.1:3000/api/switchboard?job=send-email";
const body = Buffer.from('{"to":"ada@example.com","name":"Ada 🚀"}');

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
}

describe("signDelivery", () => {
  it("makes a JWT the official Receiver accepts, with QStash's claims", async () => {
    const jwt = signDelivery(DEFAULT_SIGNING_KEYS.current, url, body);
    await expect(receiver.verify({ signature: jwt, body: body.toString("utf8"), url })).resolves.toBe(true);
    const payload = claims(jwt);
    expect(JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString())).toEqual({
      alg: "HS256",
      typ: "JWT",
    });
    expect(payload).toMatchObject({
      iss: "Upstash",
      sub: url,
      body: createHash("sha256").update(body).digest("base64url"),
    });
    expect(payload.exp).toBe((payload.iat as number) + 300);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).not.toBe(claims(signDelivery(DEFAULT_SIGNING_KEYS.current, url, body)).jti);
  });

  it("is accepted with the next key too (key rotation), and rejected for another body or URL", async () => {
    const jwt = signDelivery(DEFAULT_SIGNING_KEYS.next, url, body);
    await expect(receiver.verify({ signature: jwt, body: body.toString("utf8"), url })).resolves.toBe(true);
    await expect(receiver.verify({ signature: jwt, body: "{}", url })).rejects.toThrow(/body hash/);
    await expect(
      receiver.verify({ signature: jwt, body: body.toString(), url: `${url}&x=1` }),
    ).rejects.toThrow(/subject/);
    await expect(
      receiver.verify({ signature: signDelivery("sig_wrong", url, body), body: body.toString(), url }),
    ).rejects.toThrow();
  });
});
