import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { MESSAGE_FILTERS, toApiMessage } from "./api-message";
import type { ApiAnswer, ApiRequest } from "./api-request";
import { idsFrom } from "./ids-from";
import { checkQueryParams, filterRecords } from "./record-filter";

/**
 * `GET /v2/messages/{id}`, `DELETE /v2/messages/{id}` and the bulk cancel
 * `DELETE /v2/messages?messageIds=…` (or by filter, or all): answers `{ cancelled }`. As QStash, a
 * cancel by filter or of all takes at most `count` (1–500) messages, the oldest first, so the SDK's
 * "loop until `cancelled` is 0" works; without `count` it takes every match. An unknown query
 * parameter is a 400, so a misspelt filter never cancels everything.
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
    return { status: 200, body: { cancelled: 1 } };
  }
  checkQueryParams(query, ["messageIds", "count", ...Object.keys(MESSAGE_FILTERS)], "DELETE /v2/messages");
  const count = cancelCount(query.get("count"));
  const targets =
    idsFrom(query, body, "messageIds") ??
    filterRecords([...ctx.store.state.messages.values()], query, MESSAGE_FILTERS, (m) => m.createdAt)
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, count)
      .map((m) => m.messageId);
  const cancelled = targets.filter((messageId) => ctx.engine.cancel(messageId)).length;
  return { status: 200, body: { cancelled } };
}

/** `count` of a bulk cancel: 1–500 as QStash documents; absent means every match. */
function cancelCount(value: string | null): number | undefined {
  if (value === null) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 500)
    throw new DevServerError(
      400,
      `DELETE /v2/messages: count must be a whole number from 1 to 500, not "${value.slice(0, 50)}".`,
    );
  return count;
}
