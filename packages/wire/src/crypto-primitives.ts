/**
 * HMAC-SHA256 and SHA-256 for signatures: Node's synchronous `node:crypto` on Node, Web Crypto
 * everywhere else (Cloudflare Workers, the Next.js Edge Runtime, Vercel Edge, browsers).
 */
export interface CryptoPrimitives {
  /** Which implementation this is, for tests and diagnostics. */
  readonly kind: "node:crypto" | "web-crypto";
  sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> | Uint8Array;
  /** `data` as bytes, or text MACed as its UTF-8 bytes. */
  hmacSha256(key: string, data: Uint8Array<ArrayBuffer> | string): Promise<Uint8Array> | Uint8Array;
  /** Constant-time equality of two MACs. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

/** The part of `node:crypto` core uses. */
export interface NodeCrypto {
  createHash(algorithm: string): { update(data: Uint8Array): { digest(): Uint8Array } };
  createHmac(
    algorithm: string,
    key: string | object,
  ): { update(data: Uint8Array | string): { digest(): Uint8Array } };
  /** A prepared HMAC key, so the key is not processed again on every MAC. */
  createSecretKey?(key: string, encoding: "utf8"): object;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** One-shot hashing (Node >= 20.12): no Hash object to allocate and collect per call. */
  hash?(algorithm: string, data: Uint8Array, outputEncoding: "buffer"): Uint8Array;
}

/** What {@link selectCryptoPrimitives} looks at: `globalThis`, or a stand-in in tests. */
export interface CryptoHost {
  EdgeRuntime?: unknown;
  process?: {
    versions?: { node?: unknown } | undefined;
    getBuiltinModule?: unknown;
  };
}

const encoder = new TextEncoder();
// SHA-256 of the empty input: a stand-in that answers anything else is not node:crypto.
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
let primitives: CryptoPrimitives | undefined;

/** The implementation for this runtime, picked once by {@link selectCryptoPrimitives}. */
export function cryptoPrimitives(): CryptoPrimitives {
  primitives ??= selectCryptoPrimitives(globalThis as CryptoHost);
  return primitives;
}

/**
 * Picks `node:crypto` when the host is real Node (or Bun or Deno, which implement it), else Web
 * Crypto. `process.getBuiltinModule` reaches `node:crypto` without a static import, so core stays
 * free of Node built-ins for edge bundlers; Node's HMAC is synchronous and avoids Web Crypto's key
 * import and thread-pool hop. The probe never throws: Next's Edge Runtime defines
 * `getBuiltinModule` as a function that throws, other sandboxes ship partial shims, so anything
 * short of a working `node:crypto` means Web Crypto.
 */
export function selectCryptoPrimitives(host: CryptoHost): CryptoPrimitives {
  const nodeCrypto = probeNodeCrypto(host);
  return nodeCrypto ? nodeCryptoPrimitives(nodeCrypto) : webCryptoPrimitives();
}

function probeNodeCrypto(host: CryptoHost): NodeCrypto | undefined {
  // Next.js (and Vercel) edge sandboxes announce themselves; their `process` is a shim.
  if (host.EdgeRuntime !== undefined) return undefined;
  const proc = host.process;
  if (typeof proc?.versions?.node !== "string" || typeof proc.getBuiltinModule !== "function") {
    return undefined;
  }
  try {
    const candidate = (proc.getBuiltinModule as (id: string) => unknown)("node:crypto") as
      | Partial<NodeCrypto>
      | null
      | undefined;
    if (
      typeof candidate?.createHash !== "function" ||
      typeof candidate.createHmac !== "function" ||
      typeof candidate.timingSafeEqual !== "function"
    ) {
      return undefined;
    }
    const nodeCrypto = candidate as NodeCrypto;
    const digest = nodeCrypto.createHash("sha256").update(new Uint8Array(0)).digest();
    nodeCrypto.createHmac("sha256", "probe").update(new Uint8Array(0)).digest();
    return toHex(digest) === EMPTY_SHA256 ? nodeCrypto : undefined;
  } catch {
    return undefined;
  }
}

/** Signatures on `node:crypto`: synchronous hashing and MACs. */
export function nodeCryptoPrimitives(nodeCrypto: NodeCrypto): CryptoPrimitives {
  const keyObject = preparedKeys(nodeCrypto);
  return {
    kind: "node:crypto",
    sha256:
      typeof nodeCrypto.hash === "function"
        ? (data) => nodeCrypto.hash!("sha256", data, "buffer")
        : (data) => nodeCrypto.createHash("sha256").update(data).digest(),
    hmacSha256: (key, data) => nodeCrypto.createHmac("sha256", keyObject(key)).update(data).digest(),
    equal: (a, b) => a.length === b.length && nodeCrypto.timingSafeEqual(a, b),
  };
}

/**
 * Node's prepared key for an HMAC key string, made once per key: a delivery is signed (and
 * verified) with one of two keys, and preparing the key each time was a quarter of a signature's
 * cost. Bounded: a process that sees many keys (tests) keeps the latest 16. Without
 * `createSecretKey`, or for an empty key (which it refuses), the string itself.
 */
function preparedKeys(nodeCrypto: NodeCrypto): (key: string) => string | object {
  const prepared = new Map<string, object>();
  const create = nodeCrypto.createSecretKey;
  return (key) => {
    if (typeof create !== "function" || key === "") return key;
    let object = prepared.get(key);
    if (!object) {
      object = create.call(nodeCrypto, key, "utf8");
      if (prepared.size >= 16) prepared.delete(prepared.keys().next().value!);
      prepared.set(key, object);
    }
    return object;
  };
}

/** Signatures on Web Crypto (`crypto.subtle`), with each HMAC key imported once. */
export function webCryptoPrimitives(): CryptoPrimitives {
  const keys = new Map<string, Promise<CryptoKey>>();
  const importKey = (key: string) => {
    let imported = keys.get(key);
    if (!imported) {
      // Web Crypto refuses a zero-length key; HMAC pads keys with zeros to the 64-byte block, so
      // 64 zero bytes is the same key and both implementations agree on every input.
      const raw = key === "" ? new Uint8Array(64) : encoder.encode(key);
      imported = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      // A failed import must not be cached: the next delivery tries again.
      imported.catch(() => keys.delete(key));
      keys.set(key, imported);
    }
    return imported;
  };
  return {
    kind: "web-crypto",
    sha256: async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data)),
    hmacSha256: async (key, data) =>
      new Uint8Array(
        await crypto.subtle.sign(
          "HMAC",
          await importKey(key),
          typeof data === "string" ? encoder.encode(data) : data,
        ),
      ),
    equal: (a, b) => {
      if (a.length !== b.length) return false;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
      return diff === 0;
    },
  };
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
