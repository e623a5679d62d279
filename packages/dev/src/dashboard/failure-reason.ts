/** Why an attempt failed, as the dashboard shows it. */
export interface FailureReason {
  /** The route's error code (`JOB_FAILED`, …), when the destination is a Switchboard route. */
  code?: string;
  message: string;
  /** What to do about it, when the route said. */
  fix?: string;
}

/**
 * Reads why an attempt failed: the route's JSON error `{ error: { code, message, fix? } }` from
 * the response body when there is one, else the engine's one-line description of the failure
 * (`CODE: message — fix: …` for a Switchboard error, see `engine/describe-failure.ts`), else the
 * HTTP status.
 *
 * @example
 * ```ts
 * failureReason('{"error":{"code":"JOB_FAILED","message":"boom"}}', undefined, 500);
 * // → { code: "JOB_FAILED", message: "boom" }
 * ```
 */
export function failureReason(
  responseBody: string | undefined,
  described: string | undefined,
  status: number,
): FailureReason {
  const fromBody = responseBody === undefined ? undefined : switchboardError(responseBody);
  if (fromBody) return fromBody;
  if (described === undefined) return { message: status ? `HTTP ${status}` : "no answer" };
  const line = /^([A-Z][A-Z0-9_]*): ([\s\S]*?)(?: — fix: ([\s\S]*))?$/.exec(described);
  if (!line) return { message: described };
  return { code: line[1]!, message: line[2]!, ...(line[3] ? { fix: line[3] } : {}) };
}

function switchboardError(text: string): FailureReason | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (!isRecord(error) || typeof error.message !== "string") return undefined;
  const fix =
    typeof error.fix === "string" ? error.fix : typeof error.hint === "string" ? error.hint : undefined;
  return {
    ...(typeof error.code === "string" ? { code: error.code } : {}),
    message: error.message,
    ...(fix ? { fix } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
