import { SwitchboardError } from "../errors/switchboard-error";
import { type RouteAnswer, toFetchResponse } from "./route-request";

/** Options for {@link errorResponse}. */
export interface ErrorResponseOptions {
  /** Include the stack trace and the `fix` (development and test only). */
  exposeStack?: boolean;
}

/**
 * Turns an error into the route's answer: the status for its code, `{ error: { code, message } }`,
 * `Upstash-NonRetryable-Error: true` on 489 and `Retry-After` on 429, so QStash does the right thing.
 * The only place an error becomes a `Response`. Never throws, whatever `error` is.
 */
export function errorResponse(error: unknown, options: ErrorResponseOptions = {}): Response {
  return toFetchResponse(errorAnswer(error, options));
}

/** {@link errorResponse} as a {@link RouteAnswer}, for the Node path that writes it without a `Response`. */
export function errorAnswer(error: unknown, options: ErrorResponseOptions = {}): RouteAnswer {
  const failure = SwitchboardError.from(error);
  const headers: Record<string, string> = {};
  if (failure.status === 489) headers["Upstash-NonRetryable-Error"] = "true";
  if (failure.code === "RETRY_LATER") {
    const seconds = (failure as { retryAfterSeconds?: number }).retryAfterSeconds ?? 1;
    headers["Retry-After"] = String(seconds);
  }
  if (failure.code === "METHOD_NOT_ALLOWED") headers.Allow = "POST";
  const body: Record<string, unknown> = { code: failure.code, message: failure.message };
  if (failure.issues) body.issues = failure.issues;
  if (options.exposeStack && failure.fix) body.fix = failure.fix;
  if (options.exposeStack) {
    const stack = stackOf(failure);
    if (stack) body.stack = stack;
  }
  return jsonAnswer(failure.status, { error: body }, headers);
}

/** The stack of the error a handler threw (or of the failure itself); a getter that throws gives none. */
function stackOf(failure: SwitchboardError): string | undefined {
  try {
    const wrapsCause = failure.code === "HANDLER_FAILED" || failure.code === "ROUTE_FAILED";
    const original = failure.cause instanceof Error && wrapsCause ? failure.cause : failure;
    return typeof original.stack === "string" ? original.stack : undefined;
  } catch {
    return failure.stack;
  }
}

const encoder = new TextEncoder();

/** A JSON answer with its `Content-Length`, so Node bridges can send it in one write. */
export function jsonAnswer(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): RouteAnswer {
  const bytes = encoder.encode(JSON.stringify(value));
  headers["Content-Type"] = "application/json";
  headers["Content-Length"] = String(bytes.byteLength);
  return { status, headers, body: bytes };
}
