import type { ApiAnswer, ApiRequest } from "./api-request";
import type { DevContext } from "./dev-context";
import type { DevEvent } from "./model";
import { filterRecords } from "./record-filter";

const EVENT_FILTERS = {
  messageId: (e: DevEvent) => e.messageId,
  state: (e: DevEvent) => e.state,
  url: (e: DevEvent) => e.url,
  topicName: (e: DevEvent) => e.topicName,
  urlGroup: (e: DevEvent) => e.topicName,
  queueName: (e: DevEvent) => e.queueName,
  scheduleId: (e: DevEvent) => e.scheduleId,
  label: (e: DevEvent) => e.label?.split(","),
  host: (e: DevEvent) => hostOf(e.url),
};

/**
 * `GET /v2/events` → `{ events, cursor? }` and `GET /v2/logs` → `{ logs, cursor? }`: the newest
 * first, filtered like QStash (`state`, `messageId`, `url`, `topicName`, `queueName`, `label`, dates,
 * `messageIds`). The cursor is a number, as the SDK's `while (cursor > 0)` loop expects.
 *
 * @example
 * ```ts
 * const answer = eventsApi(ctx, request, "logs");
 * ```
 */
export function eventsApi(ctx: DevContext, { query }: ApiRequest, resource: "events" | "logs"): ApiAnswer {
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
  const items = page.map(({ seq, ...event }) => event);
  return { status: 200, body: { [resource]: items, ...(cursor ? { cursor } : {}) } };
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
