import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { newId } from "../store/ids";
import type { DlqEntry, StoredMessage } from "../store/model";
import { DLQ_FILTERS, toApiDlq } from "./api-message";
import type { ApiAnswer, ApiRequest } from "./api-request";
import { cursorPage } from "./cursor-page";
import { idsFrom } from "./ids-from";
import { checkQueryParams, filterRecords } from "./record-filter";

const DLQ_PARAMS = ["dlqIds", "cursor", "count", ...Object.keys(DLQ_FILTERS)];

/**
 * The dead-letter queue: `GET /v2/dlq` (filters, `count`, `cursor`) → `{ messages, cursor? }`,
 * `GET|DELETE /v2/dlq/{dlqId}`, `DELETE /v2/dlq?dlqIds=…` (or by filter) → `{ deleted, cursor? }`,
 * and `POST /v2/dlq/retry?dlqIds=…` (or by filter) → `{ responses: [{ messageId }], cursor? }`.
 * A retry publishes the message again as a new message with its original settings. An unknown
 * query parameter (a typo such as `labeel`, or `host`/`path`, which QStash's DLQ refuses) is a 400,
 * so a misspelt filter never deletes or retries the whole DLQ.
 *
 * @example
 * ```ts
 * const answer = dlqApi(ctx, request, "retry", undefined);
 * ```
 */
export function dlqApi(
  ctx: DevContext,
  request: ApiRequest,
  id: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const { method, query, body } = request;
  const matching = () =>
    filterRecords(
      [...ctx.store.state.dlq.values()].sort((a, b) => b.failedAt - a.failedAt),
      query,
      DLQ_FILTERS,
      (e) => e.failedAt,
    );
  const select = (): { targets: DlqEntry[]; cursor?: string } => {
    checkQueryParams(query, DLQ_PARAMS, `${method} /v2/dlq${id === "retry" ? "/retry" : ""}`);
    const ids = idsFrom(query, body, "dlqIds");
    if (ids) return { targets: ids.flatMap((dlqId) => ctx.store.state.dlq.get(dlqId) ?? []) };
    const { items, cursor } = cursorPage(matching(), query, (e) => e.dlqId);
    return cursor ? { targets: items, cursor } : { targets: items };
  };

  if (method === "GET" && !id) {
    const { targets, cursor } = select();
    return { status: 200, body: { messages: targets.map(toApiDlq), ...(cursor ? { cursor } : {}) } };
  }
  if (method === "GET" && id) return { status: 200, body: toApiDlq(entry(ctx, id)) };
  if (method === "DELETE" && id) {
    ctx.store.delete("dlq", entry(ctx, id).dlqId);
    return { status: 200 };
  }
  if (method === "DELETE") {
    const { targets, cursor } = select();
    for (const target of targets) ctx.store.delete("dlq", target.dlqId);
    return { status: 200, body: { deleted: targets.length, ...(cursor ? { cursor } : {}) } };
  }
  if (method === "POST" && (id === "retry" || action === "retry")) {
    const { targets, cursor } = id === "retry" ? select() : { targets: [entry(ctx, id!)] };
    const responses = targets.map((target) => ({ messageId: retry(ctx, target) }));
    return { status: 200, body: { responses, ...(cursor ? { cursor } : {}) } };
  }
  throw new DevServerError(
    405,
    "dlq: use GET /v2/dlq, DELETE /v2/dlq[/{dlqId}] or POST /v2/dlq/retry?dlqIds=….",
  );
}

function entry(ctx: DevContext, dlqId: string): DlqEntry {
  const found = ctx.store.state.dlq.get(dlqId);
  if (!found)
    throw new DevServerError(404, `DLQ entry ${dlqId} not found (retried, deleted or never failed).`);
  return found;
}

function retry(ctx: DevContext, entry: DlqEntry): string {
  const { dlqId, responseStatus, responseHeader, responseBody, failedAt, ...message } = entry;
  const now = Date.now();
  const again: StoredMessage = {
    ...message,
    messageId: newId("msg"),
    retried: 0,
    notBefore: now,
    createdAt: now,
  };
  ctx.store.delete("dlq", dlqId);
  ctx.engine.accept(again);
  return again.messageId;
}
