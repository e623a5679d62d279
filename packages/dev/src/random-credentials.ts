import { randomBytes } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A fresh API token and signing keys, shaped like QStash's (`sig_` and 28 letters or digits), for
 * `--random-credentials`: no page or program that only knows the public development defaults can
 * then use the server, and deliveries signed with them cannot be forged.
 *
 * @example
 * ```ts
 * const { token, signingKeys } = randomCredentials();
 * const dev = await startDevServer({ token, signingKeys });
 * ```
 */
export function randomCredentials(): { token: string; signingKeys: { current: string; next: string } } {
  return {
    token: randomBytes(32).toString("base64url"),
    signingKeys: { current: `sig_${alphanumeric(28)}`, next: `sig_${alphanumeric(28)}` },
  };
}

function alphanumeric(length: number): string {
  let text = "";
  while (text.length < length) {
    for (const byte of randomBytes(length)) {
      // 248 = 4 × 62: dropping the bytes above keeps every character equally likely.
      if (byte < 248 && text.length < length) text += ALPHANUMERIC[byte % 62];
    }
  }
  return text;
}
