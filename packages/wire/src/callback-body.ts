import { fromBase64, toBase64 } from "./base64";
import { DEFAULT_RETRIES } from "./headers";
import { WireError } from "./wire-error";

/**
 * The JSON body QStash POSTs to a callback or failure callback: the destination's answer
 * (`status`, `header`, base64 `body`) and the source message (`sourceMessageId`, `url`, `method`,
 * `sourceHeader`, base64 `sourceBody`, times, ids), plus `dlqId` on a failure callback.
 */
export interface CallbackBody {
  status: number;
  header: Record<string, string[]>;
  /** The destination's response body, base64. */
  body: string;
  retried: number;
  maxRetries: number;
  sourceMessageId: string;
  topicName: string;
  endpointName: string;
  url: string;
  method: string;
  sourceHeader: Record<string, string[]>;
  /** The original request body, base64. */
  sourceBody: string;
  notBefore: number;
  createdAt: number;
  scheduleId: string;
  callerIP: string;
  /** Only on a failure callback: the message's dead-letter queue entry. */
  dlqId?: string;
}

/** Raw bytes, or bytes already base64-encoded (the dev server stores bodies that way). */
export type BodyBytes = Uint8Array | { base64: string };

/** What {@link encodeCallbackBody} needs: the message that was delivered and what it got back. */
export interface CallbackInput {
  /** The destination's answer. */
  response: { status: number; header?: Record<string, string[]>; body: BodyBytes };
  /** The message as published. */
  source: {
    messageId: string;
    /** The destination URL (without any hook query). */
    url: string;
    method?: string;
    header?: Record<string, string[]>;
    body: BodyBytes;
    retried: number;
    maxRetries: number;
    notBefore?: number;
    createdAt: number;
    scheduleId?: string | undefined;
    topicName?: string | undefined;
    endpointName?: string | undefined;
    callerIp: string;
  };
  /** Set for a failure callback. */
  dlqId?: string | undefined;
}

/**
 * Builds QStash's callback body, field for field, with bodies base64-encoded. The dev server
 * sends it; the testing helpers forge it; the route reads it back with {@link decodeCallbackBody}.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(
 *   encodeCallbackBody({
 *     response: { status: 200, body: new TextEncoder().encode('{"sent":true}') },
 *     source: { messageId: "msg_1", url, body: payloadBytes, retried: 0, maxRetries: 3, createdAt: Date.now(), callerIp: "127.0.0.1" },
 *   }),
 * );
 * ```
 */
export function encodeCallbackBody(input: CallbackInput): CallbackBody {
  const { response, source } = input;
  return {
    status: response.status,
    header: response.header ?? {},
    body: base64Of(response.body),
    retried: source.retried,
    maxRetries: source.maxRetries,
    sourceMessageId: source.messageId,
    topicName: source.topicName ?? "",
    endpointName: source.endpointName ?? "",
    url: source.url,
    method: source.method ?? "POST",
    sourceHeader: source.header ?? {},
    sourceBody: base64Of(source.body),
    notBefore: source.notBefore ?? 0,
    createdAt: source.createdAt,
    scheduleId: source.scheduleId ?? "",
    callerIP: source.callerIp,
    ...(input.dlqId ? { dlqId: input.dlqId } : {}),
  };
}

/** What the route needs from a callback body; every field checked, defaults for what is missing. */
export interface DecodedCallback {
  /** The original request body (the payload's JSON bytes). */
  sourceBody: Uint8Array<ArrayBuffer>;
  sourceMessageId: string;
  /** The status of the reported attempt; 0 when absent. */
  status: number;
  /** The destination's response body as text ("" when absent or not base64). */
  responseText: string;
  retried: number;
  maxRetries: number;
  dlqId: string | undefined;
}

const decoder = new TextDecoder();

/**
 * Reads a parsed callback body. Throws `WireError` (field `sourceBody`) when it is not one: the
 * original payload is what the hook runs on, so without it there is nothing to run. Every other
 * field falls back to a neutral value, since QStash's own copies list slightly different fields.
 *
 * @example
 * ```ts
 * const callback = decodeCallbackBody(JSON.parse(text));
 * const payload = JSON.parse(new TextDecoder().decode(callback.sourceBody));
 * ```
 */
export function decodeCallbackBody(json: unknown): DecodedCallback {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new WireError("sourceBody", "not a QStash callback body (no sourceBody).");
  }
  const callback = json as Record<string, unknown>;
  if (typeof callback.sourceBody !== "string") {
    throw new WireError("sourceBody", "not a QStash callback body (no sourceBody).");
  }
  let sourceBody: Uint8Array<ArrayBuffer>;
  try {
    sourceBody = fromBase64(callback.sourceBody);
  } catch {
    throw new WireError("sourceBody", "the callback's sourceBody is not base64.");
  }
  return {
    sourceBody,
    sourceMessageId: stringOr(callback.sourceMessageId, ""),
    status: countOr(callback.status, 0),
    responseText: typeof callback.body === "string" ? textOf(callback.body) : "",
    retried: countOr(callback.retried, 0),
    maxRetries: countOr(callback.maxRetries, DEFAULT_RETRIES),
    dlqId: typeof callback.dlqId === "string" && callback.dlqId !== "" ? callback.dlqId : undefined,
  };
}

function base64Of(bytes: BodyBytes): string {
  return bytes instanceof Uint8Array ? toBase64(bytes) : bytes.base64;
}

function textOf(base64: string): string {
  try {
    return decoder.decode(fromBase64(base64));
  } catch {
    return "";
  }
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function countOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
