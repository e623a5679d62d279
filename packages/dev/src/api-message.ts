import type { DlqEntry, StoredMessage } from "./model";

/**
 * A stored message in the shape `GET /v2/messages/{id}` answers (`@upstash/qstash`'s `Message`).
 *
 * @example
 * ```ts
 * const answer = { status: 200, body: toApiMessage(message) };
 * ```
 */
export function toApiMessage(message: StoredMessage) {
  const body = Buffer.from(message.body, "base64");
  const text = body.toString("utf8");
  return {
    messageId: message.messageId,
    url: message.url,
    topicName: message.topicName,
    endpointName: message.endpointName,
    method: message.method,
    header: message.header,
    body: text,
    // QStash adds the base64 body when the bytes are not valid UTF-8.
    ...(Buffer.from(text, "utf8").equals(body) ? {} : { bodyBase64: message.body }),
    maxRetries: message.retries,
    retried: message.retried,
    retryDelayExpression: message.retryDelay,
    notBefore: message.notBefore,
    createdAt: message.createdAt,
    callback: message.callback,
    failureCallback: message.failureCallback,
    scheduleId: message.scheduleId,
    queueName: message.queueName,
    label: message.label?.split(",")[0],
    labels: message.label?.split(","),
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

/** Fields list endpoints filter messages and DLQ entries by (`?url=…&label=…`). */
export const MESSAGE_FILTERS = {
  messageId: (m: StoredMessage) => m.messageId,
  url: (m: StoredMessage) => m.url,
  topicName: (m: StoredMessage) => m.topicName,
  urlGroup: (m: StoredMessage) => m.topicName,
  scheduleId: (m: StoredMessage) => m.scheduleId,
  queueName: (m: StoredMessage) => m.queueName,
  label: (m: StoredMessage) => m.label?.split(","),
  flowControlKey: (m: StoredMessage) => m.flowControlKey,
  callerIp: (m: StoredMessage) => m.callerIp,
  host: (m: StoredMessage) => urlPart(m.url, "host"),
  path: (m: StoredMessage) => urlPart(m.url, "pathname"),
};

function urlPart(url: string, part: "host" | "pathname"): string | undefined {
  try {
    return new URL(url)[part];
  } catch {
    return undefined;
  }
}
