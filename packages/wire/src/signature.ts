import { asciiToBase64Url, binaryFromBase64Url, bytesOfBinary, fromBase64Url, toBase64Url } from "./base64";
import { cryptoPrimitives } from "./crypto-primitives";

/** QStash's two signing keys. `next` takes over when QStash rotates keys. */
export interface SigningKeys {
  current: string;
  next?: string | undefined;
}

/** Why a signature was rejected; becomes the message of a 401. */
export type SignatureResult =
  | { ok: true; claims: SignatureClaims }
  | { ok: false; reason: string; fix?: string | undefined };

/** The claims of a QStash signature JWT. */
export interface SignatureClaims {
  iss: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti?: string;
  body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options for {@link verifySignature}. */
export interface VerifySignatureInput {
  /** The `Upstash-Signature` header. */
  signature: string | null;
  /** The raw request body, exactly as received. */
  body: Uint8Array<ArrayBuffer>;
  keys: SigningKeys;
  /**
   * The destination URL QStash was told to call; compared with the `sub` claim. `undefined` only
   * when the target is unknown, so the caller can answer 401 for a forged request before 489.
   */
  expectedUrl: string | undefined;
  /** Seconds of clock skew accepted on `exp` and `nbf`. */
  clockTolerance: number;
  /** Current unix time in seconds (injectable for tests). */
  now?: number;
}

/**
 * Verifies a QStash `Upstash-Signature` JWT: HS256 only, the current key then the next key,
 * `iss`, `exp`/`nbf` with tolerance, `sub` against the destination URL, and the SHA-256 of the raw
 * body. Never throws: the result says why it failed.
 */
export async function verifySignature(input: VerifySignatureInput): Promise<SignatureResult> {
  const { signature } = input;
  const shape = signatureShapeProblem(signature);
  if (shape || !signature) return shape ?? fail("Missing Upstash-Signature header.");
  const [headerPart, claimsPart, macPart] = signature.split(".") as [string, string, string];

  const header = decodeJson(headerPart);
  if (header?.alg !== "HS256") return fail("Signature algorithm must be HS256.");
  let mac: Uint8Array<ArrayBuffer>;
  try {
    mac = fromBase64Url(macPart);
  } catch {
    return fail("Signature is not base64url.");
  }

  const signed = encoder.encode(`${headerPart}.${claimsPart}`);
  const primitives = cryptoPrimitives();
  let valid = false;
  for (const key of [input.keys.current, input.keys.next]) {
    if (!key) continue;
    // node:crypto answers synchronously: no microtask turn (and promise) for it.
    const computed = primitives.hmacSha256(key, signed);
    if (primitives.equal(computed instanceof Promise ? await computed : computed, mac)) {
      valid = true;
      break;
    }
  }
  if (!valid) {
    return fail(
      "Signature does not match the current or next signing key.",
      "The route's keys are not the ones this delivery was signed with. Set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY to the values in the QStash console; locally, to the ones `switchboard dev` prints, or set SWITCHBOARD_DEV=1 and leave the keys unset.",
    );
  }

  const claims = decodeJson(claimsPart) as Partial<SignatureClaims> | undefined;
  if (!claims) return fail("Signature claims are not JSON.");
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (claims.iss !== "Upstash") return fail(`Signature issuer must be "Upstash", got "${claims.iss}".`);
  if (typeof claims.exp !== "number" || claims.exp + input.clockTolerance < now) {
    return fail(
      "Signature has expired.",
      "A signature is valid for 5 minutes: this is a replayed or stored request, or this machine's clock is off (check it, or raise `clockTolerance`).",
    );
  }
  if (typeof claims.nbf === "number" && claims.nbf - input.clockTolerance > now) {
    return fail(
      "Signature is not valid yet (nbf is in the future).",
      "This machine's clock is behind the signer's: sync it, or raise `clockTolerance`.",
    );
  }
  if (input.expectedUrl !== undefined && claims.sub !== input.expectedUrl) {
    return fail(
      `Signature was issued for "${claims.sub}", but this route expects "${input.expectedUrl}". Check that SWITCHBOARD_URL (or the \`url\` option) is the public URL QStash calls.`,
    );
  }
  const digest = primitives.sha256(input.body);
  const bodyHash = toBase64Url(digest instanceof Promise ? await digest : digest);
  if (typeof claims.body !== "string" || claims.body.replace(/=+$/, "") !== bodyHash) {
    return fail(
      "Body hash does not match the signature: the body was changed after QStash signed it (a body parser or proxy rewrote it?).",
    );
  }
  return { ok: true, claims: claims as SignatureClaims };
}

const JWT_SHAPE = /^[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*$/;

/**
 * Why an `Upstash-Signature` header cannot be a QStash signature whatever the body is: missing,
 * or not three base64url parts. The route checks this before it reads the body, so a request
 * that was never signed costs no more than its headers. `undefined` when the shape is right.
 */
export function signatureShapeProblem(signature: string | null): SignatureResult | undefined {
  if (!signature) {
    return fail(
      "Missing Upstash-Signature header.",
      "Deliveries must come from QStash (or `switchboard dev`), and a proxy in front of the route must pass the Upstash-Signature header on. In tests, build requests with createSignedRequest from @switchboard/core/testing.",
    );
  }
  if (!JWT_SHAPE.test(signature)) return fail("Upstash-Signature is not a JWT.");
  return undefined;
}

/** Options for {@link signPayload}. */
export interface SignInput {
  key: string;
  /** Destination URL, the `sub` claim. */
  url: string;
  /** The raw body: bytes (a Node `Buffer` is fine) or text, hashed as UTF-8. */
  body: Uint8Array | string;
  /** Unix seconds; defaults to now. */
  issuedAt?: number;
  /** Lifetime in seconds. @default 300 */
  expiresIn?: number;
}

/**
 * Signs a body exactly as QStash does: an HS256 JWT whose `sub` is the destination URL as
 * published and whose `body` claim is the base64url SHA-256 of the raw body bytes. The testing
 * helpers and the dev server sign with it; the route verifies with {@link verifySignature}.
 *
 * @example
 * ```ts
 * const signature = await signPayload({ key: "sig_…", url: "https://app.test/api/sb?job=x", body: '{"a":1}' });
 * ```
 */
export async function signPayload(input: SignInput): Promise<string> {
  const iat = input.issuedAt ?? Math.floor(Date.now() / 1000);
  const body = ownBytes(typeof input.body === "string" ? encoder.encode(input.body) : input.body);
  const hash = toBase64Url(await cryptoPrimitives().sha256(body));
  const header = JWT_HEADER;
  const claims = encodeJson({
    iss: "Upstash",
    sub: input.url,
    exp: iat + (input.expiresIn ?? 300),
    nbf: iat,
    iat,
    jti: `jwt_${crypto.randomUUID().replace(/-/g, "")}`,
    body: hash,
  });
  const mac = await cryptoPrimitives().hmacSha256(input.key, `${header}.${claims}`);
  return `${header}.${claims}.${toBase64Url(mac)}`;
}

/**
 * The claims of a signature, NOT verified: only for finding the target when a proxy dropped the
 * query, before {@link verifySignature} checks everything. `undefined` for anything malformed.
 */
export function unverifiedClaims(signature: string | null): Partial<SignatureClaims> | undefined {
  const part = signature?.split(".")[1];
  return part ? (decodeJson(part) as Partial<SignatureClaims> | undefined) : undefined;
}

/** Web Crypto takes only bytes over a plain `ArrayBuffer`; a Node `Buffer` may sit on a shared pool. */
function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** JSON as base64url; ASCII text (every claim set but a URL with non-ASCII) without a TextEncoder. */
function encodeJson(value: unknown): string {
  const text = JSON.stringify(value);
  return NON_ASCII.test(text) ? toBase64Url(encoder.encode(text)) : asciiToBase64Url(text);
}

const NON_ASCII = /[\u0080-\uffff]/;

/** The same for every signature QStash (and the dev server) sends. */
const JWT_HEADER = encodeJson({ alg: "HS256", typ: "JWT" });

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const binary = binaryFromBase64Url(part);
    // JWT parts are ASCII JSON in practice: then the decoded bytes already are the text.
    const text = NON_ASCII.test(binary) ? decoder.decode(bytesOfBinary(binary)) : binary;
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function fail(reason: string, fix?: string): SignatureResult {
  return { ok: false, reason, fix };
}
