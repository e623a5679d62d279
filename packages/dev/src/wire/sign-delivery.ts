import { createHash, createHmac, randomUUID } from "node:crypto";

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/**
 * Signs a delivery exactly as QStash does: an HS256 JWT whose `sub` is the destination URL as
 * published and whose `body` claim is the base64url SHA-256 of the raw body bytes.
 */
export function signDelivery(key: string, url: string, body: Buffer, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = base64url(
    JSON.stringify({
      iss: "Upstash",
      sub: url,
      exp: iat + 300,
      nbf: iat,
      iat,
      jti: `jwt_${randomUUID().replace(/-/g, "")}`,
      body: createHash("sha256").update(body).digest("base64url"),
    }),
  );
  const mac = createHmac("sha256", key).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${mac}`;
}
