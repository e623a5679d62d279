import { createHash } from "node:crypto";
import { DevServerError } from "../dev-server-error";

/**
 * What `Upstash-Redact-Fields` asked to hide from the API: the body, every header, or the named
 * headers (lower-case). Deliveries always carry the original values; only answers are redacted.
 */
export interface RedactFields {
  body?: true | undefined;
  header?: true | string[] | undefined;
}

/**
 * Parses `Upstash-Redact-Fields`: a comma-separated list of `body`, `header` (every header) and
 * `header[Name]` (one header). The SDK sends `header`; Upstash's docs also write `headers` and
 * `headers[Name]`, so both spellings are accepted. Anything else is a 400 naming the item.
 *
 * @example
 * ```ts
 * parseRedactFields("body, header[Authorization]"); // → { body: true, header: ["authorization"] }
 * ```
 */
export function parseRedactFields(value: string | null | undefined): RedactFields | undefined {
  if (!value?.trim()) return undefined;
  const fields: RedactFields = {};
  for (const raw of value.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const named = /^headers?\[([^\]]+)\]$/i.exec(item);
    if (item.toLowerCase() === "body") fields.body = true;
    else if (/^headers?$/i.test(item)) fields.header = true;
    else if (named?.[1]?.trim()) {
      const name = named[1].trim().toLowerCase();
      if (fields.header !== true) fields.header = [...(fields.header ?? []), name];
    } else {
      throw new DevServerError(
        400,
        `Upstash-Redact-Fields: "${item.slice(0, 100)}" is not one of body, header or header[Name] (e.g. "body, header[Authorization]").`,
      );
    }
  }
  return fields.body || fields.header ? fields : undefined;
}

/**
 * A redacted value as QStash shows it: `REDACTED:` and the SHA-256 of the original (hex), so two
 * values can be compared without revealing them.
 *
 * @example
 * ```ts
 * redactedValue(Buffer.from("secret")); // → "REDACTED:2bb80d53…"
 * ```
 */
export function redactedValue(original: Buffer | string): string {
  return `REDACTED:${createHash("sha256").update(original).digest("hex")}`;
}

/**
 * A header map (`{ Name: [values] }`) with the redacted headers' values replaced.
 *
 * @example
 * ```ts
 * redactHeader({ Authorization: ["Bearer x"] }, { header: ["authorization"] });
 * ```
 */
export function redactHeader(
  header: Record<string, string[]>,
  redact: RedactFields | undefined,
): Record<string, string[]> {
  const which = redact?.header;
  if (!which) return header;
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(header)) {
    out[name] =
      which === true || which.includes(name.toLowerCase()) ? values.map((v) => redactedValue(v)) : values;
  }
  return out;
}

/**
 * The body bytes (stored base64) an answer may show: the original, or `REDACTED:<sha256>`.
 *
 * @example
 * ```ts
 * const shown = redactBody(message.body, message.redact);
 * ```
 */
export function redactBody(bodyBase64: string, redact: RedactFields | undefined): Buffer {
  const body = Buffer.from(bodyBase64, "base64");
  return redact?.body ? Buffer.from(redactedValue(body), "utf8") : body;
}
