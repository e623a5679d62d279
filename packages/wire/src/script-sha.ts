// Scripts are module constants, so the cache stays tiny; the bound only stops a caller that builds
// scripts at run time from growing it without end.
const MAX_CACHED = 256;
const cache = new Map<string, Promise<string>>();
const encoder = new TextEncoder();

/**
 * The SHA-1 (hex) Redis names `script` by in EVALSHA, from Web Crypto (Node 20+, edge runtimes),
 * computed once per script text.
 *
 * @example
 * ```ts
 * import { scriptSha } from "@switchboard/wire";
 * await scriptSha("return 1"); // "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
 * ```
 */
export function scriptSha(script: string): Promise<string> {
  let sha = cache.get(script);
  if (!sha) {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    sha = crypto.subtle.digest("SHA-1", encoder.encode(script)).then(toHex);
    cache.set(script, sha);
  }
  return sha;
}

function toHex(digest: ArrayBuffer): string {
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
