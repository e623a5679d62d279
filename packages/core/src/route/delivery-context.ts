import { DEFAULT_RETRIES, HEADERS, readCount } from "@switchboard/wire";
import type { DeliveryContext } from "../context";
import type { Endpoint } from "../definition";
import type { EnvRecord } from "../env";
import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import type { Runtime } from "../runtime";

/**
 * What a handler gets besides its payload: the delivery headers read, the user's `context`
 * factory run, the endpoint's own fields (`job`, or `channel` and `subscriber`) added.
 */
export async function deliveryContext(
  runtime: Runtime,
  request: Request,
  env: EnvRecord | undefined,
  endpoint: Endpoint,
): Promise<DeliveryContext> {
  const retried = readCount(request.headers.get(HEADERS.retried)) ?? 0;
  const maxRetries = readCount(request.headers.get(HEADERS.maxRetries)) ?? DEFAULT_RETRIES;
  let extra: object = {};
  try {
    if (runtime.config.context) extra = await runtime.config.context({ request, env });
  } catch (error) {
    // The handler never ran: do not report it as the handler's failure.
    throw new SwitchboardError(
      "ROUTE_FAILED",
      `The \`context\` factory of createSwitchboard threw: ${describeThrown(error)}`,
      { cause: error },
    );
  }
  return {
    ...extra,
    ...endpoint.contextFields,
    messageId: request.headers.get(HEADERS.messageId) ?? "",
    attempt: retried + 1,
    retried,
    maxRetries,
    isLastAttempt: retried >= maxRetries,
    scheduleId: request.headers.get(HEADERS.scheduleId) ?? undefined,
    signal: request.signal,
    headers: request.headers,
  };
}
