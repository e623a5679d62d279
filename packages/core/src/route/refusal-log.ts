import { describeTarget, type RouteTarget } from "@switchboard/wire";
import type { SwitchboardError, SwitchboardErrorCode } from "../errors/switchboard-error";
import { logSafely } from "../log-safely";
import type { SwitchboardLogger } from "../switchboard-config";

/** Answers where the route turned a delivery away: the request, not a handler, was at fault. */
const REFUSALS: ReadonlySet<SwitchboardErrorCode> = new Set([
  "UNAUTHORIZED",
  "NOT_FOUND",
  "INVALID_PAYLOAD",
  "BODY_ALREADY_PARSED",
  "METHOD_NOT_ALLOWED",
  "BAD_REQUEST",
  "PAYLOAD_TOO_LARGE",
]);

/** What the route knows about the delivery it failed, for the log line. */
export interface FailedDelivery {
  target: RouteTarget | undefined;
  messageId: string | null;
  /** `NODE_ENV` is `development` or `test`: log the whole message and its fix. */
  development: boolean;
}

/**
 * Logs why the route did not run a handler, or why a handler failed, through the switchboard's
 * logger. Refusals (401, 489 NOT_FOUND / INVALID_PAYLOAD, BODY_ALREADY_PARSED, 405) are logged
 * with their fix in development and as one `warn` line, without payload contents, in production;
 * a frameworks' bare `POST … 401` is otherwise all a developer sees. `NonRetriableError` and
 * `RetryAfterError` are outcomes the handler chose, so they are not logged. Never throws: a
 * logger that throws does not change the answer (see {@link logSafely}).
 */
export function logFailure(
  logger: SwitchboardLogger,
  failure: SwitchboardError,
  delivery: FailedDelivery,
): void {
  const where = delivery.target ? describeTarget(delivery.target) : "the route";
  const id = delivery.messageId ? ` (message ${delivery.messageId})` : "";
  const head = `[switchboard] ${failure.status} ${failure.code} for ${where}${id}: `;
  if (REFUSALS.has(failure.code)) {
    if (!delivery.development) {
      logSafely(logger, "warn", `${head}${failure.message}`.replace(/\s*\n\s*/g, " "));
      return;
    }
    const fix = failure.fix ? `\n  fix: ${failure.fix}` : "";
    const level = failure.code === "BODY_ALREADY_PARSED" ? "error" : "warn";
    logSafely(logger, level, `${head}${failure.message}${fix}`);
    return;
  }
  if (failure.code === "NON_RETRIABLE" || failure.code === "RETRY_LATER") return;
  logSafely(logger, "error", `[switchboard] ${failure.message}`, failure.cause ?? failure);
}
