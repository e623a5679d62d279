import type { DevContext } from "../dev-context";
import type { DevEvent } from "../store/model";
import { hostNames, labelFields, labelList, urlPart } from "./api-message";
import type { ApiAnswer, ApiRequest } from "./api-request";
import { checkQueryParams, filterRecords } from "./record-filter";
import { redactBody, redactHeader } from "./redact-fields";

const EVENT_FILTERS = {
  messageId: (e: DevEvent) => e.messageId,
  state: (e: DevEvent) => e.state,
  url: (e: DevEvent) => e.url,
  topicName: (e: DevEvent) => e.topicName,
  urlGroup: (e: DevEvent) => e.topicName,
  queueName: (e: DevEvent) => e.queueName,
  scheduleId: (e: DevEvent) => e.scheduleId,
  label: (e: DevEvent) => labelList(e.label),
  flowControlKey: (e: DevEvent) => e.flowControlKey,
  callerIp: (e: DevEvent) => e.callerIp,
  host: (e: DevEvent) => hostNames(e.url),
  path: (e: DevEvent) => urlPart(e.url, "pathname"),
};

const EVENT_PARAMS = ["cursor", "count", "messageIds", ...Object.keys(EVENT_FILTERS)];

/**
 * `GET /v2/events` → `{ events, cursor? }` and `GET /v2/logs` → `{ logs, cursor? }`: the newest
 * first, filtered like QStash (`state`, `messageId`, `url`, `topicName`, `queueName`, `scheduleId`,
 * `label`, `flowControlKey`, `callerIp`, `host`, `path`, dates, `messageIds`); an unknown parameter
 * is a 400. Each entry carries the message's `header` and base64 `body` (redacted as
 * `Upstash-Redact-Fields` asked) and its labels as `label` (the first) and `labels`. The cursor is a
 * number, as the SDK's `while (cursor > 0)` loop expects.
 *
 * @example
 * ```ts
 * const answer = eventsApi(ctx, request, "logs");
 * ```
 */
export function eventsApi(ctx: DevContext, { query }: ApiRequest, resource: "events" | "logs"): ApiAnswer {
  checkQueryParams(query, EVENT_PARAMS, `GET /v2/${resource}`);
  const ids = new Set(query.getAll("messageIds").flatMap((v) => v.split(",")));
  const before = Number(query.get("cursor") ?? 0) || Number.POSITIVE_INFINITY;
  const count = Math.min(Math.max(Math.trunc(Number(query.get("count") ?? 100)) || 100, 1), 1000);
  const newestFirst = ctx.engine.events.filter(
    (e) => e.seq < before && (ids.size === 0 || ids.has(e.messageId)),
  );
  newestFirst.reverse();
  const matching = filterRecords(newestFirst, query, EVENT_FILTERS, (e) => e.time);
  const page = matching.slice(0, count);
  const last = page.at(-1);
  const cursor = matching.length > count && last ? String(last.seq) : undefined;
  const items = page.map(toApiLog);
  return { status: 200, body: { [resource]: items, ...(cursor ? { cursor } : {}) } };
}

/** One log entry as QStash answers it (`@upstash/qstash`'s `Log`). */
function toApiLog({ seq, label, header, body, redact, ...event }: DevEvent) {
  return {
    ...event,
    ...labelFields(label),
    ...(header ? { header: redactHeader(header, redact) } : {}),
    ...(body !== undefined ? { body: redactBody(body, redact).toString("base64") } : {}),
  };
}
