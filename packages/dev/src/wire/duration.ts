import { parseDuration as parseWireDuration } from "@switchboard/wire";
import { badRequestOnWireError } from "../dev-server-error";

/**
 * Parses a duration header the way QStash reads it (the wire format's `parseDuration` with plain
 * seconds allowed): `"30s"`, `"5m"`, `"2h"`, `"1d"`, compound `"1d10h30m"`, or `"30"`. Returns
 * seconds. Anything else, or (with `maxSeconds`) a longer duration, is a 400 naming `header`.
 *
 * @example
 * ```ts
 * parseDuration("1h30m", "Upstash-Delay"); // 5400
 * parseDuration("400d", "Upstash-Delay", 365 * 86_400); // throws a 400 naming the header
 * ```
 */
export function parseDuration(value: string, header: string, maxSeconds?: number): number {
  return badRequestOnWireError(() =>
    parseWireDuration(
      value,
      header,
      maxSeconds === undefined ? { bareSeconds: true } : { bareSeconds: true, maxSeconds },
    ),
  );
}
