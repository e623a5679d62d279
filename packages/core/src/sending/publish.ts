import type { DispatchResult, QStashPublishFields } from "./dispatch-options";
import type { QStashClient } from "./qstash-client";
import { callQStash } from "./qstash-client";

/** One message ready for QStash. */
export interface OutgoingMessage {
  url: string;
  body: unknown;
  fields: QStashPublishFields;
  queue?: string | undefined;
  callback?: string | undefined;
  failureCallback?: string | undefined;
}

function toRequest(message: OutgoingMessage) {
  const { fields } = message;
  return {
    url: message.url,
    body: message.body,
    ...fields,
    ...(message.callback ? { callback: message.callback } : {}),
    ...(message.failureCallback ? { failureCallback: message.failureCallback } : {}),
  };
}

/** Publishes one message, through the named queue when there is one. */
export async function publishOne(
  client: QStashClient,
  message: OutgoingMessage,
  what: string,
): Promise<DispatchResult> {
  const request = toRequest(message);
  const response = await callQStash(what, client, () =>
    message.queue
      ? client.queue({ queueName: message.queue }).enqueueJSON(request)
      : client.publishJSON(request),
  );
  return toResult(response);
}

/**
 * Publishes many messages with QStash's batch API: one HTTP request per chunk of `batchSize`,
 * never one per message. Results come back in the order of `messages`.
 */
export async function publishBatch(
  client: QStashClient,
  messages: OutgoingMessage[],
  batchSize: number,
  what: string,
): Promise<DispatchResult[]> {
  const results: DispatchResult[] = [];
  for (let start = 0; start < messages.length; start += batchSize) {
    const chunk = messages.slice(start, start + batchSize).map((message) => ({
      ...toRequest(message),
      ...(message.queue ? { queueName: message.queue } : {}),
    }));
    const responses = await callQStash(what, client, () => client.batchJSON(chunk));
    for (const response of responses) {
      results.push(toResult(response));
    }
  }
  return results;
}

function toResult(response: unknown): DispatchResult {
  const { messageId, deduplicated } = response as { messageId: string; deduplicated?: boolean };
  return { messageId, deduplicated: deduplicated === true };
}
