import { type CallbackBody, encodeCallbackBody } from "@switchboard/wire";
import type { StoredMessage } from "../store/model";

/** What a delivery attempt got back, as a callback reports it. */
export interface DeliveryResult {
  status: number;
  responseHeader: Record<string, string[]>;
  responseBody: Uint8Array;
}

/**
 * The body of a callback or failure callback about `source`: the wire format's
 * {@link encodeCallbackBody}, fed from a stored message (whose body is kept in base64 already).
 * `dlqId` is set for a failure callback.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(callbackPayload(message, { status: 200, responseHeader: {}, responseBody }));
 * ```
 */
export function callbackPayload(source: StoredMessage, result: DeliveryResult, dlqId?: string): CallbackBody {
  return encodeCallbackBody({
    response: { status: result.status, header: result.responseHeader, body: result.responseBody },
    source: {
      messageId: source.messageId,
      url: source.url,
      method: source.method,
      header: source.header,
      body: { base64: source.body },
      retried: source.retried,
      maxRetries: source.retries,
      notBefore: source.notBefore,
      createdAt: source.createdAt,
      scheduleId: source.scheduleId,
      topicName: source.topicName,
      endpointName: source.endpointName,
      callerIp: source.callerIp,
    },
    dlqId,
  });
}
