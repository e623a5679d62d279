const MAX_LENGTH = 2_000;

/**
 * A message for anything thrown, which itself never throws: an `Error`'s message, a string, or
 * a description of values that break `String(value)` (`Object.create(null)`, an object whose
 * `toString` throws, an `Error` whose `message` getter throws, a revoked `Proxy`). Capped at
 * 2,000 characters, so one log line stays one line's worth.
 *
 * @example
 * ```ts
 * describeThrown(new Error("SMTP timeout")); // "SMTP timeout"
 * describeThrown(Object.create(null)); // "a thrown object (it has no message and cannot be printed)"
 * ```
 */
export function describeThrown(value: unknown): string {
  return cap(attempt(() => messageOf(value)) ?? "a thrown value that cannot be printed");
}

function messageOf(value: unknown): string | undefined {
  if (typeof value === "string") return value || "an empty string was thrown";
  if (typeof value === "symbol") return value.toString();
  if (value === null || typeof value !== "object") return String(value);
  if (value instanceof Error) {
    const message = attempt(() => value.message);
    if (typeof message === "string" && message !== "") return message;
    const name = attempt(() => value.name);
    return `${typeof name === "string" && name ? name : "Error"} (its message could not be read)`;
  }
  const printed = attempt(() => String(value));
  if (typeof printed === "string" && printed !== "[object Object]") return printed;
  return "a thrown object (it has no message and cannot be printed)";
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function cap(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
