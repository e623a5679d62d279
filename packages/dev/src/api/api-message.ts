import type { DlqEntry, StoredMessage } from "../store/model";
import { redactBody, redactHeader } from "./redact-fields";

/**
 * A stored message in the shape `GET /v2/messages/{id}` answers (`@upstash/qstash`'s `Message`).
 * Fields named in `Upstash-Redact-Fields` show as `REDACTED:<sha256>`; several labels are
 * `label` (the first, deprecated) and `labels` (all).
 *
 * @example
 * ```ts
 * const answer = { status: 200, body: toApiMessage(message) };
 * ```
 */
export function toApiMessage(message: StoredMessage) {
  const body = redactBody(message.body, message.redact);
  const text = body.toString("utf8");
  return {
    messageId: message.messageId,
    url: message.url,
    topicName: message.topicName,
    endpointName: message.endpointName,
    method: message.method,
    header: redactHeader(message.header, message.redact),
    body: text,
    // QStash adds the base64 body when the bytes are not valid UTF-8.
    ...(Buffer.from(text, "utf8").equals(body) ? {} : { bodyBase64: body.toString("base64") }),
    maxRetries: message.retries,
    retried: message.retried,
    retryDelayExpression: message.retryDelay,
    notBefore: message.notBefore,
    createdAt: message.createdAt,
    callback: message.callback,
    failureCallback: message.failureCallback,
    scheduleId: message.scheduleId,
    queueName: message.queueName,
    ...labelFields(message.label),
    callerIp: message.callerIp,
    flowControlKey: message.flowControlKey,
    parallelism: message.parallelism,
    rate: message.rate,
    period: message.periodSeconds,
  };
}

/**
 * A DLQ entry in the shape `GET /v2/dlq` lists (`@upstash/qstash`'s `DlqMessage`).
 *
 * @example
 * ```ts
 * const answer = { status: 200, body: { messages: entries.map(toApiDlq) } };
 * ```
 */
export function toApiDlq(entry: DlqEntry) {
  return {
    ...toApiMessage(entry),
    dlqId: entry.dlqId,
    responseStatus: entry.responseStatus,
    responseHeader: entry.responseHeader,
    responseBody: entry.responseBody,
  };
}

/**
 * `Upstash-Label: a,b` as QStash answers it: `label` is the first (deprecated in the SDK),
 * `labels` all of them; neither when there is no label.
 *
 * @example
 * ```ts
 * labelFields("a,b"); // → { label: "a", labels: ["a", "b"] }
 * ```
 */
export function labelFields(label: string | undefined): { label?: string; labels?: string[] } {
  const labels = labelList(label);
  return labels.length > 0 ? { label: labels[0]!, labels } : {};
}

/** The labels of a comma-separated `Upstash-Label` value. */
export function labelList(label: string | undefined): string[] {
  return (label ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Filters every list endpoint takes (`?url=…&label=…`); `topicName` is what the SDK sends for `urlGroup`. */
const COMMON_FILTERS = {
  url: (m: StoredMessage) => m.url,
  topicName: (m: StoredMessage) => m.topicName,
  urlGroup: (m: StoredMessage) => m.topicName,
  scheduleId: (m: StoredMessage) => m.scheduleId,
  queueName: (m: StoredMessage) => m.queueName,
  label: (m: StoredMessage) => labelList(m.label),
  flowControlKey: (m: StoredMessage) => m.flowControlKey,
  callerIp: (m: StoredMessage) => m.callerIp,
};

/** Filters of `DELETE /v2/messages` (with `host` and `path`; no `messageId`, use `messageIds`). */
export const MESSAGE_FILTERS = {
  ...COMMON_FILTERS,
  callerIP: (m: StoredMessage) => m.callerIp, // deprecated spelling, still documented
  host: (m: StoredMessage) => hostNames(m.url),
  path: (m: StoredMessage) => urlPart(m.url, "pathname"),
};

/** Filters of `GET|DELETE /v2/dlq` and `POST /v2/dlq/retry` (QStash refuses `host`/`path` there). */
export const DLQ_FILTERS = {
  ...COMMON_FILTERS,
  messageId: (m: DlqEntry) => m.messageId,
  responseStatus: (m: DlqEntry) => m.responseStatus,
};

/**
 * What `host=` matches for a URL: its host with the port (`localhost:3000`) and without.
 *
 * @example
 * ```ts
 * hostNames("http://localhost:3000/x"); // → ["localhost:3000", "localhost"]
 * ```
 */
export function hostNames(url: string): string[] {
  const host = urlPart(url, "host");
  const name = urlPart(url, "hostname");
  return [...new Set([host, name].filter((h): h is string => Boolean(h)))];
}

/**
 * A URL's host or path, for the `host`/`path` filters.
 *
 * @example
 * ```ts
 * urlPart("https://a.com/x?y=1", "pathname"); // → "/x"
 * ```
 */
export function urlPart(url: string, part: "host" | "hostname" | "pathname"): string | undefined {
  try {
    return new URL(url)[part];
  } catch {
    return undefined;
  }
}
