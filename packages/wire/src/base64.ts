/** Base64url without padding, as JWTs use it. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
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
