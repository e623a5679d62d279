import { MESSAGE_FILTERS, toApiMessage } from "./api-message";
import type { ApiAnswer, ApiRequest } from "./api-request";
import type { DevContext } from "./dev-context";
import { DevServerError } from "./dev-server-error";
import { idsFrom } from "./ids-from";
import { filterRecords } from "./record-filter";

/**
 * `GET /v2/messages/{id}`, `DELETE /v2/messages/{id}` and the bulk cancel
 * `DELETE /v2/messages?messageIds=…` (or by filter, or all): answers `{ cancelled }`. A bulk cancel
 * by filter cancels every match in one call, as QStash does (`count` is ignored).
 *
 * @example
 * ```ts
 * const answer = messagesApi(ctx, { ...request, method: "DELETE" }, "msg_123");
 * ```
 */
export function messagesApi(ctx: DevContext, request: ApiRequest, id: string | undefined): ApiAnswer {
  const { method, query, body } = request;
  if (id && method === "GET") {
    const message = ctx.store.state.messages.get(id);
    if (!message)
      throw new DevServerError(404, `message ${id} not found (delivered, cancelled or never published).`);
    return { status: 200, body: toApiMessage(message) };
  }
  if (method !== "DELETE")
    throw new DevServerError(405, "messages: use GET /v2/messages/{id} or DELETE /v2/messages[/{id}].");
  if (id) {
    if (!ctx.engine.cancel(id))
      throw new DevServerError(404, `message ${id} not found (already delivered or cancelled).`);
    ctx.store.flush();
    return { status: 200, body: { cancelled: 1 } };
  }
  const targets =
    idsFrom(query, body, "messageIds") ??
    filterRecords([...ctx.store.state.messages.values()], query, MESSAGE_FILTERS, (m) => m.createdAt).map(
      (m) => m.messageId,
    );
  const cancelled = targets.filter((messageId) => ctx.engine.cancel(messageId)).length;
  ctx.store.flush();
  return { status: 200, body: { cancelled } };
}
