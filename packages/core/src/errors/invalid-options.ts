import { WireError } from "@switchboard/wire";
import { SwitchboardError } from "./switchboard-error";

/**
 * Runs a wire-format reader on a user's option (a duration, a retry-delay expression) and turns
 * its `WireError` into `INVALID_OPTIONS`, the error every option mistake throws in core.
 */
export function readOption<T>(read: () => T, prefix?: string): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof WireError) {
      const message = prefix ? `${prefix}: ${error.message}` : error.message;
      throw new SwitchboardError("INVALID_OPTIONS", message, { cause: error });
    }
    throw error;
  }
}
