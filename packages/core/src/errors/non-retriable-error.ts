import { SwitchboardError } from "./switchboard-error";

/**
 * Throw from a handler to fail the message now, without further retries. QStash moves it to the
 * dead-letter queue and calls the job's `onFailure` hook.
 *
 * @example
 * ```ts
 * import { NonRetriableError } from "@switchboard/core";
 *
 * const charge = sb.createJob({
 *   name: "charge",
 *   schema: z.object({ customerId: z.string() }),
 *   handler: async ({ customerId }) => {
 *     const customer = await db.customers.find(customerId);
 *     if (!customer) throw new NonRetriableError(`Customer ${customerId} does not exist`);
 *   },
 * });
 * ```
 */
export class NonRetriableError extends SwitchboardError {
  override readonly name = "NonRetriableError";

  constructor(message: string, options: { cause?: unknown } = {}) {
    super("NON_RETRIABLE", message, options);
  }
}
