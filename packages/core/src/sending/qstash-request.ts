import { HEADERS, PUBLISH_HEADERS } from "@switchboard/wire";
import { QstashDailyRatelimitError, QstashError, QstashRatelimitError } from "@upstash/qstash";
import type { OutgoingMessage } from "./publish";

/**
 * Where Switchboard sends QStash requests itself, without the SDK: known only for the `Client`s
 * Switchboard built from `{ token, baseUrl }` / env, never for one the user passed in.
 */
export interface QStashEndpoint {
  /** The SDK's resolved base URL, trailing `/` removed. */
  baseUrl: string;
  /** `Bearer <token>`, exactly as the SDK would send it. */
  authorization: string;
  /** Retry a request that got no answer (connection failed), with the SDK's backoff. */
  retry: boolean;
}

/** The SDK's connection retries: 5 more attempts, 50·e^n ms apart (~4.3 s in all). */
const RETRY_ATTEMPTS = 5;
const retryBackoffMs = (attempt: number) => Math.exp(attempt) * 50;

/**
 * The headers `publishJSON` / `batchJSON` of `@upstash/qstash` 2.12 send for `message`, minus the
 * SDK's own telemetry headers (`Upstash-Telemetry-*`, which name the SDK, not the caller). Built
 * with a web `Headers` as the SDK does, so names fold to lower case, values are trimmed, duplicate
 * names join with ", " and an invalid value throws a `TypeError`, exactly as there.
 */
export function publishHeaders(message: OutgoingMessage): Headers {
  const { fields } = message;
  const headers = new Headers();
  for (const [name, value] of new Headers(fields.headers)) {
    // The SDK forwards every user header except `content-type*` and `upstash-*` (refused earlier).
    headers.set(name.startsWith("content-type") ? name : `${PUBLISH_HEADERS.forwardPrefix}${name}`, value);
  }
  // No `Upstash-Method: POST`, which the SDK sends: QStash delivers with POST when it is absent.
  headers.set("Content-Type", "application/json");
  if (fields.delay !== undefined) headers.set(PUBLISH_HEADERS.delay, `${fields.delay.toFixed(0)}s`);
  if (fields.notBefore !== undefined) headers.set(PUBLISH_HEADERS.notBefore, fields.notBefore.toFixed(0));
  if (fields.deduplicationId !== undefined)
    headers.set(PUBLISH_HEADERS.deduplicationId, fields.deduplicationId);
  if (fields.contentBasedDeduplication) headers.set(PUBLISH_HEADERS.contentBasedDeduplication, "true");
  headers.set(PUBLISH_HEADERS.retries, fields.retries.toFixed(0));
  if (fields.retryDelay !== undefined) headers.set(HEADERS.retryDelay, fields.retryDelay);
  if (message.callback) headers.set(PUBLISH_HEADERS.callback, message.callback);
  if (message.failureCallback) headers.set(PUBLISH_HEADERS.failureCallback, message.failureCallback);
  if (fields.timeout !== undefined) headers.set(PUBLISH_HEADERS.timeout, `${fields.timeout}s`);
  const flow = fields.flowControl;
  if (flow) {
    // The SDK's checks, kept as they are: `0` would pass them (as "0"), though we never send it.
    const period = typeof flow.period === "number" ? `${flow.period}s` : flow.period;
    const value = [
      flow.parallelism !== undefined ? `parallelism=${flow.parallelism}` : undefined,
      flow.rate !== undefined ? `rate=${flow.rate}` : undefined,
      period ? `period=${period}` : undefined,
    ].filter((part) => part !== undefined);
    headers.set(PUBLISH_HEADERS.flowControlKey, flow.key);
    headers.set(PUBLISH_HEADERS.flowControlValue, value.join(", "));
  }
  if (fields.label !== undefined) headers.set(PUBLISH_HEADERS.label, fields.label);
  return headers;
}

/**
 * POSTs `body` to `{baseUrl}/{path}` with the bearer token and returns QStash's JSON answer. A
 * request that gets no answer is retried like the SDK does (not for a QStash on this machine); an
 * answer other than 2xx throws the SDK's own error types, with QStash's `error` text as message.
 */
export async function postToQStash(
  endpoint: QStashEndpoint,
  path: readonly string[],
  body: string,
  headers: Headers | Record<string, string>,
): Promise<unknown> {
  // Joined raw and parsed once, as the SDK does: a destination URL's own `?query` stays visible.
  const url = new URL([endpoint.baseUrl, ...path].join("/")).toString();
  const requestHeaders = new Headers(headers);
  requestHeaders.set("Authorization", endpoint.authorization);
  const init: RequestInit = { method: "POST", headers: requestHeaders, body };
  const attempts = endpoint.retry ? RETRY_ATTEMPTS : 0;
  let response: Response | undefined;
  for (let attempt = 0; response === undefined; attempt++) {
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryBackoffMs(attempt)));
    }
  }
  if (response.status < 200 || response.status >= 300) throw await answerError(response);
  return response.json();
}

/** QStash's error answer as the SDK would throw it, its message the `error` QStash wrote. */
async function answerError(response: Response): Promise<QstashError> {
  const header = (name: string) => response.headers.get(name);
  if (response.status === 429) {
    await response.body?.cancel();
    if (header("RateLimit-Limit")) {
      return new QstashDailyRatelimitError({
        limit: header("RateLimit-Limit"),
        remaining: header("RateLimit-Remaining"),
        reset: header("RateLimit-Reset"),
      });
    }
    return new QstashRatelimitError({
      limit: header("Burst-RateLimit-Limit"),
      remaining: header("Burst-RateLimit-Remaining"),
      reset: header("Burst-RateLimit-Reset"),
    });
  }
  const text = await response.text();
  return new QstashError(
    `QStash answered ${response.status}: ${errorText(text) ?? `status=${response.status}`}`,
    response.status,
  );
}

/** `{"error": "…"}` → its text; any other non-empty body as it is. */
function errorText(body: string): string | undefined {
  if (body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: unknown } | null)?.error;
    if (typeof error === "string" && error.length > 0) return error;
  } catch {
    // Not JSON: a proxy's HTML or plain text; show it as QStash sent it.
  }
  return body;
}
