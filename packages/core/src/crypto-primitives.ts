/** HMAC-SHA256 and SHA-256 for signatures: Node's synchronous crypto when present, Web Crypto elsewhere. */
export interface CryptoPrimitives {
  sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> | Uint8Array;
  hmacSha256(key: string, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> | Uint8Array;
  /** Constant-time equality of two MACs. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

interface NodeCrypto {
  createHash(algorithm: string): { update(data: Uint8Array): { digest(): Uint8Array } };
  createHmac(algorithm: string, key: string): { update(data: Uint8Array): { digest(): Uint8Array } };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

const encoder = new TextEncoder();
let primitives: CryptoPrimitives | undefined;

/**
 * Picks the fastest correct implementation once. On Node, `process.getBuiltinModule` reaches
 * `node:crypto` without a static import, so core stays free of Node built-ins for edge bundlers;
 * Node's HMAC is synchronous and avoids Web Crypto's per-call key import and thread-pool hop.
 */
export function cryptoPrimitives(): CryptoPrimitives {
  primitives ??= nodePrimitives() ?? webPrimitives();
  return primitives;
}

function nodePrimitives(): CryptoPrimitives | undefined {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  const nodeCrypto =
    typeof getBuiltin === "function" ? (getBuiltin("node:crypto") as NodeCrypto | undefined) : undefined;
  if (!nodeCrypto?.createHmac) return undefined;
  return {
    sha256: (data) => nodeCrypto.createHash("sha256").update(data).digest(),
    hmacSha256: (key, data) => nodeCrypto.createHmac("sha256", key).update(data).digest(),
    equal: (a, b) => a.length === b.length && nodeCrypto.timingSafeEqual(a, b),
  };
}

function webPrimitives(): CryptoPrimitives {
  const keys = new Map<string, Promise<CryptoKey>>();
  const importKey = (key: string) => {
    let imported = keys.get(key);
    if (!imported) {
      imported = crypto.subtle.importKey(
        "raw",
        encoder.encode(key),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      keys.set(key, imported);
    }
    return imported;
  };
  return {
    sha256: async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data)),
    hmacSha256: async (key, data) =>
      new Uint8Array(await crypto.subtle.sign("HMAC", await importKey(key), data)),
    equal: (a, b) => {
      if (a.length !== b.length) return false;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
      return diff === 0;
    },
  };
}
