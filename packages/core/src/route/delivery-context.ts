import { DEFAULT_RETRIES, HEADERS, readCount } from "@switchboard/wire";
import type { DeliveryContext } from "../context";
import type { Endpoint } from "../definition";
import type { EnvRecord } from "../env";
import { describeThrown } from "../errors/describe-thrown";
import { SwitchboardError } from "../errors/switchboard-error";
import type { Runtime } from "../runtime";
import type { RouteRequest } from "./route-request";

/**
 * What a handler gets besides its payload: the delivery headers read, the user's `context`
 * factory run, the endpoint's own fields (`job`, or `channel` and `subscriber`) added.
 */
export async function deliveryContext(
  runtime: Runtime,
  request: RouteRequest,
  env: EnvRecord | undefined,
  endpoint: Endpoint,
): Promise<DeliveryContext> {
  const retried = readCount(request.header(HEADERS.retried)) ?? 0;
  const maxRetries = readCount(request.header(HEADERS.maxRetries)) ?? DEFAULT_RETRIES;
  let extra: object = {};
  try {
    // `request` is a getter: on the Node path the web `Request` is built only for a factory that reads it.
    if (runtime.config.context)
      extra = await runtime.config.context({
        get request() {
          return request.toRequest();
        },
        env,
      });
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
    messageId: request.header(HEADERS.messageId) ?? "",
    attempt: retried + 1,
    retried,
    maxRetries,
    isLastAttempt: retried >= maxRetries,
    scheduleId: request.header(HEADERS.scheduleId) ?? undefined,
    // Getters: on the Node path the `AbortSignal` and `Headers` are built only for a handler that reads them.
    get signal() {
      return request.signal;
    },
    get headers() {
      return request.headers;
    },
  };
}
