/** The longest recipient, in characters (UTF-16 code units). */
export const MAX_RECIPIENT_LENGTH = 200;

// C0 and C1 control characters, and the line and paragraph separators: none belong in an id, and
// each makes logs and Redis keys ambiguous.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// A surrogate half without its pair turns into U+FFFD on the wire, so two such recipients would
// share one Redis key.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What is wrong with a recipient, or `undefined` when it is one: a string of 1-200 characters
 * with no control characters and no unpaired surrogate.
 */
export function recipientProblem(recipient: unknown): string | undefined {
  if (typeof recipient !== "string") {
    return `must be a string (a user id), got ${recipient === null ? "null" : typeof recipient}`;
  }
  if (recipient === "") return "must not be empty";
  if (recipient.length > MAX_RECIPIENT_LENGTH) {
    return `must be at most ${MAX_RECIPIENT_LENGTH} characters, got ${recipient.length}`;
  }
  const control = CONTROL.exec(recipient);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, "0");
    return `must not contain control characters (U+${code} at index ${control.index})`;
  }
  if (LONE_SURROGATE.test(recipient)) return "must be well-formed text (it has an unpaired surrogate)";
  return undefined;
}
