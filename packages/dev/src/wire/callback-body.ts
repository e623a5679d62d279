import type { StoredMessage } from "../store/model";

/** What a delivery attempt got back, as a callback reports it. */
export interface DeliveryResult {
  status: number;
  responseHeader: Record<string, string[]>;
  responseBody: Buffer;
}

/**
 * The JSON body QStash POSTs to a callback or failure callback: the destination's answer (`status`,
 * `header`, base64 `body`) and the source message (`sourceMessageId`, `url`, `method`,
 * `sourceHeader`, base64 `sourceBody`, times, ids), plus `dlqId` on a failure callback.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(callbackBody(message, { status: 200, responseHeader: {}, responseBody }));
 * ```
 */
export function callbackBody(source: StoredMessage, result: DeliveryResult, dlqId?: string) {
  return {
    status: result.status,
    header: result.responseHeader,
    body: result.responseBody.toString("base64"),
    retried: source.retried,
    maxRetries: source.retries,
    sourceMessageId: source.messageId,
    topicName: source.topicName ?? "",
    endpointName: source.endpointName ?? "",
    url: source.url,
    method: source.method,
    sourceHeader: source.header,
    sourceBody: source.body,
    notBefore: source.notBefore,
    createdAt: source.createdAt,
    scheduleId: source.scheduleId ?? "",
    callerIP: source.callerIp,
    ...(dlqId ? { dlqId } : {}),
  };
}
