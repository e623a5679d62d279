const URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Base64url without padding, as JWTs use it. Encoded by table, not through `btoa` and three
 * replaces: it runs for every JWT part the dev server signs and the route checks.
 */
export function toBase64Url(bytes: Uint8Array): string {
  const a = URL_ALPHABET;
  const whole = bytes.length - (bytes.length % 3);
  let out = "";
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += a[n >>> 18]! + a[(n >>> 12) & 63]! + a[(n >>> 6) & 63]! + a[n & 63]!;
  }
  if (bytes.length - whole === 1) {
    const n = bytes[whole]!;
    out += a[n >>> 2]! + a[(n & 3) << 4]!;
  } else if (bytes.length - whole === 2) {
    const n = (bytes[whole]! << 8) | bytes[whole + 1]!;
    out += a[n >>> 10]! + a[(n >>> 4) & 63]! + a[(n & 15) << 2]!;
  }
  return out;
}

/**
 * {@link toBase64Url} of text whose characters are all below U+0080 (its UTF-8 bytes are its char
 * codes), read straight from the string: no byte array per JWT part. The caller checks ASCII.
 */
export function asciiToBase64Url(text: string): string {
  const a = URL_ALPHABET;
  const whole = text.length - (text.length % 3);
  let out = "";
  for (let i = 0; i < whole; i += 3) {
    const n = (text.charCodeAt(i) << 16) | (text.charCodeAt(i + 1) << 8) | text.charCodeAt(i + 2);
    out += a[n >>> 18]! + a[(n >>> 12) & 63]! + a[(n >>> 6) & 63]! + a[n & 63]!;
  }
  if (text.length - whole === 1) {
    const n = text.charCodeAt(whole);
    out += a[n >>> 2]! + a[(n & 3) << 4]!;
  } else if (text.length - whole === 2) {
    const n = (text.charCodeAt(whole) << 8) | text.charCodeAt(whole + 1);
    out += a[n >>> 10]! + a[(n >>> 4) & 63]! + a[(n & 15) << 2]!;
  }
  return out;
}

/** Decodes base64url (padding optional) to bytes. Throws on characters outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return bytesOfBinary(binaryFromBase64Url(text));
}

/** Decodes base64url (padding optional) to a binary string, one character per byte. */
export function binaryFromBase64Url(text: string): string {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  return atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
}

/** Standard base64 (with padding) of bytes, without Node's Buffer so it runs on the edge. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** Decodes standard base64 (padding optional) to bytes. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return bytesOfBinary(atob(text + "=".repeat((4 - (text.length % 4)) % 4)));
}

/** The bytes of a binary string (as `atob` returns), one per character. */
export function bytesOfBinary(binary: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
