import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import type { ApiAnswer, ApiRequest } from "./api-request";
import { dlqApi } from "./dlq";
import { eventsApi } from "./events";
import { flowControlApi } from "./flow-control-keys";
import { messagesApi } from "./messages";
import { queuesApi } from "./queues";
import { schedulesApi } from "./schedules";
import { urlGroupsApi } from "./url-groups";

/**
 * Routes everything besides publishing (messages, DLQ, queues, URL groups, schedules, events/logs,
 * flow control, keys) to its handler. Unknown routes answer 404 with a hint.
 *
 * @example
 * ```ts
 * const { status, body } = handleManagement(ctx, { method: "GET", segments: ["keys"], ...rest });
 * ```
 */
export function handleManagement(ctx: DevContext, request: ApiRequest): ApiAnswer {
  const { method, segments } = request;
  const [resource, id, action] = segments;
  switch (resource) {
    case "keys":
      if (method === "GET") return { status: 200, body: ctx.signingKeys };
      break;
    case "messages":
      return messagesApi(ctx, request, id);
    case "dlq":
      return dlqApi(ctx, request, id, action);
    case "queues":
      return queuesApi(ctx, request, id, action);
    case "topics":
      return urlGroupsApi(ctx, request, id, action);
    case "schedules":
      return schedulesApi(ctx, request, id, action);
    case "events":
    case "logs":
      if (method === "GET") return eventsApi(ctx, request, resource);
      break;
    case "flowControl":
      return flowControlApi(ctx, request, id, action);
    case "globalParallelism":
      if (method === "GET")
        return { status: 200, body: { parallelismMax: 0, parallelismCount: ctx.engine.activeCount } };
      break;
  }
  throw new DevServerError(
    404,
    `${method} /v2/${segments.join("/")} is not a QStash API route this server knows.`,
  );
}
