import { fromBase64 } from "./base64";
import { parseTarget, type RouteTarget } from "./destination";

/**
 * Why a dead-lettered message failed, read from the last attempt's answer. When the route answered,
 * its JSON error (`{ error: { code, message, fix?, issues? } }`) is decoded; when something else
 * answered (a proxy's or platform's HTML error page, another app's 404) `fromRoute` is `false` and
 * `message` is that raw text, so the reader knows Switchboard never saw the delivery.
 *
 * @example
 * ```ts
 * const { failure } = entry;
 * console.log(failure.fromRoute ? `${failure.code}: ${failure.message}` : `not from the route: ${failure.message}`);
 * ```
 */
export interface DeadLetterFailure {
  /** HTTP status of the last attempt; `undefined` when no answer came (timeout, connection refused). */
  status: number | undefined;
  /** The route's error code (`HANDLER_FAILED`, `INVALID_PAYLOAD`, …) when the route answered. */
  code?: string;
  /** The route's error message, or the raw response text (cut to {@link FAILURE_TEXT_LIMIT}). */
  message: string;
  /** The route's suggested fix (sent in development only). */
  fix?: string;
  /** Schema issues of an `INVALID_PAYLOAD` answer. */
  issues?: { path: string; message: string }[];
  /** `true` when Switchboard's route answered; `false` when the failure happened before it. */
  fromRoute: boolean;
}

/** How much of a response body that is not the route's JSON error a failure keeps. */
export const FAILURE_TEXT_LIMIT = 1000;

/**
 * Decodes the last attempt's answer of a dead-lettered message.
 *
 * @example
 * ```ts
 * decodeFailure(500, '{"error":{"code":"HANDLER_FAILED","message":"SMTP down"}}');
 * // { status: 500, code: "HANDLER_FAILED", message: "SMTP down", fromRoute: true }
 * decodeFailure(502, "<html>Bad gateway</html>");
 * // { status: 502, message: "<html>Bad gateway</html>", fromRoute: false }
 * ```
 */
export function decodeFailure(status: number | undefined, body: string): DeadLetterFailure {
  const answered = typeof status === "number" && Number.isInteger(status) && status > 0 ? status : undefined;
  const routeError = readRouteError(body);
  if (routeError) return { status: answered, ...routeError, fromRoute: true };
  const text = body.trim();
  const message =
    text.length > FAILURE_TEXT_LIMIT
      ? `${text.slice(0, FAILURE_TEXT_LIMIT)}…`
      : text ||
        (answered === undefined
          ? "no HTTP answer (timeout, or the connection failed)"
          : `HTTP ${answered} with an empty body`);
  return { status: answered, message, fromRoute: false };
}

function readRouteError(body: string): Omit<DeadLetterFailure, "status" | "fromRoute"> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (error === null || typeof error !== "object") return undefined;
  const { code, message, fix, issues } = error as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return {
    code,
    message,
    ...(typeof fix === "string" ? { fix } : {}),
    ...(Array.isArray(issues) ? { issues: issues.filter(isIssue) } : {}),
  };
}

function isIssue(value: unknown): value is { path: string; message: string } {
  const { path, message } = (value ?? {}) as Record<string, unknown>;
  return typeof path === "string" && typeof message === "string";
}

/** A DLQ entry as `GET /v2/dlq` lists it: the fields Switchboard reads, all checked before use. */
export interface ApiDeadLetter {
  dlqId?: unknown;
  messageId?: unknown;
  url?: unknown;
  body?: unknown;
  bodyBase64?: unknown;
  responseStatus?: unknown;
  responseBody?: unknown;
  responseBodyBase64?: unknown;
  retried?: unknown;
  maxRetries?: unknown;
  createdAt?: unknown;
  label?: unknown;
  scheduleId?: unknown;
  queueName?: unknown;
}

/** A DLQ entry decoded: its target read from the destination URL, its body and its failure. */
export interface DecodedDeadLetter {
  /** The DLQ entry's id: what retry and delete take. */
  dlqId: string;
  /** The id of the message that failed (the same across its retries). */
  messageId: string;
  /** The destination URL the message was published to. */
  url: string;
  /** Which job or channel subscriber (or hook) it was for; `undefined` for a URL that is not a route's. */
  target: RouteTarget | undefined;
  /** The message body as text (the JSON payload Switchboard sent). */
  body: string;
  /** Why the last attempt failed: the route's error, or the raw answer of whatever stood before it. */
  failure: DeadLetterFailure;
  /** Deliveries made (1 + retries), when QStash reports its retry count; `undefined` otherwise. */
  attempts: number | undefined;
  /** The retry budget the message was published with. */
  maxRetries: number | undefined;
  /** When the message was first published. */
  createdAt: Date;
  label: string | undefined;
  scheduleId: string | undefined;
  queueName: string | undefined;
}

const utf8 = new TextDecoder();

/**
 * Decodes one entry of `GET /v2/dlq`. Returns `undefined` for an entry without a `dlqId`, which no
 * action could name.
 *
 * @example
 * ```ts
 * const { messages } = await (await fetch(`${base}/v2/dlq`, { headers })).json();
 * const entries = messages.map(decodeDeadLetter).filter(Boolean);
 * ```
 */
export function decodeDeadLetter(entry: ApiDeadLetter): DecodedDeadLetter | undefined {
  if (entry === null || typeof entry !== "object" || typeof entry.dlqId !== "string" || !entry.dlqId)
    return undefined;
  const url = text(entry.url) ?? "";
  const retried = count(entry.retried);
  return {
    dlqId: entry.dlqId,
    messageId: text(entry.messageId) ?? "",
    url,
    target: targetOf(url),
    body: bodyText(entry.body, entry.bodyBase64),
    failure: decodeFailure(
      count(entry.responseStatus),
      bodyText(entry.responseBody, entry.responseBodyBase64),
    ),
    attempts: retried === undefined ? undefined : retried + 1,
    maxRetries: count(entry.maxRetries),
    createdAt: new Date(count(entry.createdAt) ?? 0),
    label: text(entry.label),
    scheduleId: text(entry.scheduleId),
    queueName: text(entry.queueName),
  };
}

function targetOf(url: string): RouteTarget | undefined {
  try {
    return parseTarget(new URL(url).searchParams);
  } catch {
    return undefined;
  }
}

/** QStash sends UTF-8 bodies as `body` and any other bytes as `bodyBase64`. */
function bodyText(plain: unknown, base64: unknown): string {
  if (typeof base64 === "string" && base64 !== "") {
    try {
      return utf8.decode(fromBase64(base64));
    } catch {
      return typeof plain === "string" ? plain : "";
    }
  }
  return typeof plain === "string" ? plain : "";
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
