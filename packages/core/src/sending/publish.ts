import { SwitchboardError } from "../errors/switchboard-error";
import type { DispatchResult, QStashPublishFields } from "./dispatch-options";
import type { QStashClient } from "./qstash-client";
import { callQStash, directEndpoint } from "./qstash-client";
import { postToQStash, publishHeaders, type QStashEndpoint } from "./qstash-request";

/** One message ready for QStash. */
export interface OutgoingMessage {
  url: string;
  body: unknown;
  /** `body` as JSON text, when the caller already encoded it (checking the payload does). */
  text?: string | undefined;
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

/**
 * Publishes one message, through the named queue when there is one; like batches, directly when
 * Switchboard built the `Client`, through the user's own `Client` otherwise.
 */
export async function publishOne(
  client: QStashClient,
  message: OutgoingMessage,
  what: string,
): Promise<DispatchResult> {
  const endpoint = directEndpoint(client);
  const response = await callQStash(what, client, () => {
    if (endpoint) {
      // What publishJSON / enqueueJSON send: the destination appended raw, the options as headers.
      const path = message.queue
        ? ["v2", "enqueue", message.queue, message.url]
        : ["v2", "publish", message.url];
      return postToQStash(endpoint, path, JSON.stringify(message.body), publishHeaders(message));
    }
    const request = toRequest(message);
    return message.queue
      ? client.queue({ queueName: message.queue }).enqueueJSON(request)
      : client.publishJSON(request);
  });
  return toResult(response);
}

/** How {@link publishBatch} sends its batches. */
export interface BatchSending {
  /** Messages per request. */
  batchSize: number;
  /** Batch requests in flight at once. @default 1 */
  concurrency?: number;
}

/**
 * Publishes many messages with QStash's batch API: one HTTP request per chunk of `batchSize`,
 * never one per message, at most `concurrency` at a time. Results come back in the order of
 * `messages`. With a `Client` Switchboard built, the request is built here (the SDK's per-message
 * `Headers` work dominated the time); with the user's own `Client`, its `batchJSON` is used.
 */
export async function publishBatch(
  client: QStashClient,
  messages: readonly OutgoingMessage[],
  sending: BatchSending,
  what: string,
): Promise<DispatchResult[]> {
  const { batchSize, concurrency = 1 } = sending;
  const endpoint = directEndpoint(client);
  const encode = endpoint ? batchItemEncoder() : undefined;
  const sendChunk = async (chunk: readonly OutgoingMessage[]): Promise<unknown[]> => {
    if (endpoint && encode) return postBatch(endpoint, chunk, encode);
    return client.batchJSON(
      chunk.map((message) => ({
        ...toRequest(message),
        ...(message.queue ? { queueName: message.queue } : {}),
      })),
    );
  };

  const chunkCount = Math.ceil(messages.length / batchSize);
  // Each answer becomes results as it arrives, written where its messages are: QStash's answer
  // objects die young instead of living (and being copied by the garbage collector) until the last
  // batch is answered, and no per-batch arrays are made and copied.
  const results: DispatchResult[] = new Array(messages.length);
  /** Answers with more or fewer entries than their batch has messages (QStash answers one each). */
  let uneven: Map<number, DispatchResult[]> | undefined;
  let next = 0;
  let accepted = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < chunkCount) {
      const index = next++;
      const start = index * batchSize;
      const end = Math.min(start + batchSize, messages.length);
      try {
        const answer = await callQStash(what, client, () => sendChunk(messages.slice(start, end)));
        if (answer.length === end - start) {
          for (let at = 0; at < answer.length; at++) results[start + at] = toResult(answer[at]);
        } else {
          uneven ??= new Map();
          uneven.set(index, answer.map(toResult));
        }
        accepted += answer.length;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  // Every started request settles before we answer: nothing is still in flight after a throw.
  await Promise.all(Array.from({ length: Math.min(concurrency, chunkCount) }, worker));
  if (failure) throw withProgress(failure.error, accepted, messages.length);
  if (uneven === undefined) return results;

  // Some answer had more or fewer entries than its batch had messages: results in batch order.
  const ordered: DispatchResult[] = [];
  for (let index = 0; index < chunkCount; index++) {
    const answer = uneven.get(index);
    if (answer) {
      for (const result of answer) ordered.push(result);
      continue;
    }
    const start = index * batchSize;
    const end = Math.min(start + batchSize, messages.length);
    for (let at = start; at < end; at++) ordered.push(results[at]!);
  }
  return ordered;
}

/** Adds how many messages QStash had already accepted, when some were, to a failed batch's error. */
function withProgress(error: unknown, accepted: number, total: number): unknown {
  if (accepted === 0 || !(error instanceof SwitchboardError)) return error;
  return new SwitchboardError(
    error.code,
    `${error.message} (QStash accepted ${accepted} of the ${total} messages, in the batches that succeeded; the others were not published)`,
    { cause: error.cause },
  );
}

async function postBatch(
  endpoint: QStashEndpoint,
  chunk: readonly OutgoingMessage[],
  encode: (message: OutgoingMessage) => string,
): Promise<unknown[]> {
  let body = "[";
  for (let i = 0; i < chunk.length; i++) {
    if (i > 0) body += ",";
    body += encode(chunk[i]!);
  }
  body += "]";
  const answer = await postToQStash(endpoint, ["v2", "batch"], body, { "Content-Type": "application/json" });
  return Array.isArray(answer) ? answer : [answer];
}

/**
 * Encodes one batch item as the SDK's `batchJSON` does: `{ destination, headers, body, queue? }`,
 * the body a JSON string. The headers and destination of consecutive messages that share them
 * (every message of a `dispatchMany`) are built and encoded once.
 */
function batchItemEncoder(): (message: OutgoingMessage) => string {
  let headersOf: OutgoingMessage | undefined;
  let headersJson = "";
  let url: string | undefined;
  /** `{"destination":…,"headers":{…}`: what every item of a `dispatchMany` starts with. */
  let prefix = "";
  return (message) => {
    let changed = false;
    if (
      headersOf === undefined ||
      headersOf.fields !== message.fields ||
      headersOf.callback !== message.callback ||
      headersOf.failureCallback !== message.failureCallback
    ) {
      headersJson = JSON.stringify(Object.fromEntries(publishHeaders(message)));
      headersOf = message;
      changed = true;
    }
    if (url !== message.url) {
      url = message.url;
      changed = true;
    }
    if (changed) prefix = `{"destination":${JSON.stringify(url)},"headers":${headersJson}`;
    const text: string | undefined = message.text ?? JSON.stringify(message.body);
    const body = text === undefined ? "" : `,"body":${JSON.stringify(text)}`;
    return message.queue ? `${prefix}${body},"queue":${JSON.stringify(message.queue)}}` : `${prefix}${body}}`;
  };
}

function toResult(response: unknown): DispatchResult {
  const { messageId, deduplicated } = response as { messageId: string; deduplicated?: boolean };
  return { messageId, deduplicated: deduplicated === true };
}
