import { describeTarget, type RouteTarget } from "./destination";
import type { SwitchboardLogger } from "./switchboard-config";
import type { SwitchboardError, SwitchboardErrorCode } from "./switchboard-error";

/** Answers where the route turned a delivery away: the request, not a handler, was at fault. */
const REFUSALS: ReadonlySet<SwitchboardErrorCode> = new Set([
  "UNAUTHORIZED",
  "NOT_FOUND",
  "INVALID_PAYLOAD",
  "BODY_ALREADY_PARSED",
  "METHOD_NOT_ALLOWED",
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
 * `RetryAfterError` are outcomes the handler chose, so they are not logged.
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
      logger.warn(`${head}${failure.message}`.replace(/\s*\n\s*/g, " "));
      return;
    }
    const fix = failure.fix ? `\n  fix: ${failure.fix}` : "";
    const log = failure.code === "BODY_ALREADY_PARSED" ? logger.error : logger.warn;
    log.call(logger, `${head}${failure.message}${fix}`);
    return;
  }
  if (failure.code === "NON_RETRIABLE" || failure.code === "RETRY_LATER") return;
  logger.error(`[switchboard] ${failure.message}`, failure.cause ?? failure);
}
