import { compileRetryDelay as compileWireRetryDelay } from "@switchboard/wire";
import { badRequestOnWireError } from "../dev-server-error";

/**
 * Compiles an `Upstash-Retry-Delay` expression with the wire format's `compileRetryDelay` (the
 * one parser the SDK checks at dispatch with), answering a bad expression with a 400 that says
 * what is wrong, so it is refused at publish. The compiled function never throws and returns a
 * delay in ms between 0 and one day.
 *
 * @example
 * ```ts
 * const delayMs = compileRetryDelay("1000 * pow(2, retried)");
 * delayMs(3); // 8000
 * ```
 */
export function compileRetryDelay(expression: string): (retried: number) => number {
  return badRequestOnWireError(() => compileWireRetryDelay(expression));
}
