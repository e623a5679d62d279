import type { SwitchboardLogger } from "./switchboard-config";

/**
 * Calls the switchboard's logger, and never lets it change the route's answer: a logger that
 * throws (a broken transport, a serializer that chokes on an odd value) falls back to `console`,
 * and if that throws too the line is dropped. The route answers either way.
 */
export function logSafely(
  logger: SwitchboardLogger,
  level: "warn" | "error",
  message: string,
  ...details: unknown[]
): void {
  try {
    logger[level](message, ...details);
    return;
  } catch {
    // fall through to console
  }
  try {
    console[level](`[switchboard] the configured logger threw; the line was: ${message}`);
  } catch {
    // nothing left to log to
  }
}
