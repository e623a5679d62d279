import { createHash } from "node:crypto";
import { DEFAULT_RETRIES, formatSeconds, HEADERS, PUBLISH_HEADERS } from "@switchboard/wire";
import { DevServerError } from "../dev-server-error";
import { compileRetryDelay } from "../engine/retry-delay";
import type { CallbackOptions, StoredMessage } from "../store/model";
import { parseDuration } from "../wire/duration";
import { MAX_DELAY_SECONDS, MAX_PERIOD_SECONDS, MAX_TIMEOUT_SECONDS } from "../wire/limits";
import { parseRedactFields } from "./redact-fields";

/** What option parsing needs from request headers: `Headers`, or the lighter {@link headerLookup}. */
export interface HeaderLookup {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/**
 * A case-insensitive view of a plain header object (a batch item's `headers`). Building a web
 * `Headers` per batch item costs more than the rest of accepting the message.
 */
export function headerLookup(record: Record<string, string>): HeaderLookup {
  return new RecordLookup(record);
}

/** {@link headerLookup}'s view: `[name, value, …]` with lower-case names, searched in place. */
class RecordLookup implements HeaderLookup {
  private readonly lower: string[] = [];

  constructor(private readonly record: Record<string, string>) {
    for (const name of Object.keys(record)) this.lower.push(lowerName(name), String(record[name]));
  }

  get(name: string): string | null {
    const key = lowerName(name);
    // The last spelling wins, as a map keyed by the lower-case name would keep it.
    for (let at = this.lower.length - 2; at >= 0; at -= 2)
      if (this.lower[at] === key) return this.lower[at + 1]!;
    return null;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.record)) callback(String(this.record[name]), name);
  }
}

/**
 * Header names lower-cased once: options parsing asks for the same few dozen names per message.
 * Bounded (count and length), so names a client makes up cannot grow it.
 */
const LOWER_NAMES = new Map<string, string>();

function lowerName(name: string): string {
  let lower = LOWER_NAMES.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER_NAMES.size < 1024 && name.length <= 64) LOWER_NAMES.set(name, lower);
  }
  return lower;
}

const FORWARD_PREFIX = PUBLISH_HEADERS.forwardPrefix.toLowerCase();

/** The message fields a publish request sets through `Upstash-*` headers. */
export type MessageOptions = Omit<
  StoredMessage,
  "messageId" | "url" | "body" | "retried" | "notBefore" | "createdAt" | "callerIp"
> & {
  delaySeconds: number;
  notBeforeSeconds?: number | undefined;
  deduplicationId?: string | undefined;
  contentBasedDeduplication: boolean;
  cron?: string | undefined;
  scheduleId?: string | undefined;
};

/**
 * Reads QStash's request headers (case-insensitive) into message options: method, delay,
 * not-before, retries, retry delay, timeouts, callbacks and their options, dedup, label, flow
 * control, queue and schedule settings, and `Upstash-Forward-*` headers to deliver. Anything
 * malformed, or past the bounds in `wire/limits.ts`, is a 400 whose message names the header. `now`
 * (unix ms) is what `Upstash-Not-Before` is bounded against.
 */
export function parseMessageOptions(headers: HeaderLookup, now = Date.now()): MessageOptions {
  const header: Record<string, string[]> = {};
  const contentType = headers.get("content-type");
  if (contentType) header["Content-Type"] = [contentType];
  headers.forEach((value, name) => {
    const lower = lowerName(name);
    if (lower.startsWith(FORWARD_PREFIX)) {
      const forwarded = canonicalHeaderName(name.slice(FORWARD_PREFIX.length));
      const values = header[forwarded];
      if (values) values.push(value);
      else header[forwarded] = [value];
    }
  });

  const retries = intHeader(headers, PUBLISH_HEADERS.retries) ?? DEFAULT_RETRIES;
  const retryDelay = headers.get(HEADERS.retryDelay) ?? undefined;
  if (retryDelay) compileRetryDelay(retryDelay); // reject bad expressions at publish time
  const flowValue = headers.get(PUBLISH_HEADERS.flowControlValue);
  const flow = flowValue ? parseFlowControl(flowValue) : {};
  const method = (headers.get(PUBLISH_HEADERS.method) ?? "POST").toUpperCase();
  if (!/^(GET|POST|PUT|PATCH|DELETE|HEAD)$/.test(method)) {
    throw new DevServerError(
      400,
      `Upstash-Method: "${method}" is not an HTTP method QStash can deliver with.`,
    );
  }
  const notBefore = notBeforeHeader(headers, now);
  return {
    method,
    header,
    retries,
    retryDelay,
    timeoutSeconds: durationHeader(headers, PUBLISH_HEADERS.timeout, MAX_TIMEOUT_SECONDS),
    delaySeconds: durationHeader(headers, PUBLISH_HEADERS.delay, MAX_DELAY_SECONDS) ?? 0,
    notBeforeSeconds: notBefore,
    deduplicationId: headers.get(PUBLISH_HEADERS.deduplicationId) ?? undefined,
    contentBasedDeduplication: headers.get(PUBLISH_HEADERS.contentBasedDeduplication) === "true",
    callback: urlHeader(headers, PUBLISH_HEADERS.callback),
    failureCallback: urlHeader(headers, PUBLISH_HEADERS.failureCallback),
    callbackOptions: callbackOptions(headers, CALLBACK_OPTIONS),
    failureCallbackOptions: callbackOptions(headers, FAILURE_CALLBACK_OPTIONS),
    label: headers.get(PUBLISH_HEADERS.label) ?? undefined,
    redact: parseRedactFields(headers.get("upstash-redact-fields")),
    queueName: headers.get("upstash-queue-name") ?? undefined,
    flowControlKey: headers.get(PUBLISH_HEADERS.flowControlKey) ?? undefined,
    ...flow,
    cron: headers.get("upstash-cron") ?? undefined,
    scheduleId: headers.get(HEADERS.scheduleId) ?? undefined,
  };
}

/**
 * A header name as QStash (written in Go) reports it in `header` maps: each dash-separated word
 * capitalised, `x-tenant` → `X-Tenant`. Node and the SDK's `Headers` lower-case names on the way in.
 *
 * @example
 * ```ts
 * canonicalHeaderName("x-request-id"); // "X-Request-Id"
 * ```
 */
export function canonicalHeaderName(name: string): string {
  let canonical = CANONICAL_NAMES.get(name);
  if (canonical === undefined) {
    canonical = name
      .toLowerCase()
      .replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
    if (CANONICAL_NAMES.size < 1024 && name.length <= 64) CANONICAL_NAMES.set(name, canonical);
  }
  return canonical;
}

/**
 * Canonical names made once: every message with a forwarded header or a delay asks for the same
 * few. Bounded like {@link LOWER_NAMES}, so names a client makes up cannot grow it.
 */
const CANONICAL_NAMES = new Map<string, string>();

/** The content-based deduplication key: destination, body, content type and forwarded headers. */
export function contentHash(url: string, body: Buffer, header: Record<string, string[]>): string {
  const hash = createHash("sha256").update(url).update("\n").update(body).update("\n");
  for (const name of Object.keys(header).sort())
    hash.update(`${name.toLowerCase()}:${header[name]!.join(",")}\n`);
  return hash.digest("hex");
}

/** Checks a destination URL and returns it unchanged (it becomes the JWT `sub` exactly). */
export function checkDestination(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DevServerError(400, `invalid destination url: "${url}" is not an absolute http(s) URL.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new DevServerError(400, `invalid destination url: "${url}" must use http or https.`);
  }
  return url;
}

function parseFlowControl(value: string): Pick<MessageOptions, "parallelism" | "rate" | "periodSeconds"> {
  const out: Pick<MessageOptions, "parallelism" | "rate" | "periodSeconds"> = {};
  for (const part of value.split(",")) {
    const [rawKey, rawValue] = part.split("=").map((s) => s.trim());
    if (!rawKey || rawValue === undefined) continue;
    if (rawKey === "parallelism") out.parallelism = positive(rawValue, "parallelism");
    else if (rawKey === "rate") out.rate = positive(rawValue, "rate");
    else if (rawKey === "period")
      out.periodSeconds = parseDuration(rawValue, "Upstash-Flow-Control-Value period", MAX_PERIOD_SECONDS);
    else
      throw new DevServerError(
        400,
        `Upstash-Flow-Control-Value: unknown setting "${rawKey}" (use parallelism, rate, period).`,
      );
  }
  return out;
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new DevServerError(400, `Upstash-Flow-Control-Value: ${name} must be a whole number >= 1.`);
  return n;
}

function intHeader(headers: HeaderLookup, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new DevServerError(400, `${canonicalHeaderName(name)}: "${value}" must be a whole number >= 0.`);
  return n;
}

function durationHeader(headers: HeaderLookup, name: string, maxSeconds: number): number | undefined {
  const value = headers.get(name);
  return value === null ? undefined : parseDuration(value, canonicalHeaderName(name), maxSeconds);
}

/**
 * `Upstash-Not-Before` in unix seconds. A time in the past means "now"; one more than
 * {@link MAX_DELAY_SECONDS} ahead is refused, as a delay that long is.
 */
function notBeforeHeader(headers: HeaderLookup, now: number): number | undefined {
  const seconds = intHeader(headers, PUBLISH_HEADERS.notBefore);
  if (seconds === undefined || seconds * 1000 - now <= MAX_DELAY_SECONDS * 1000) return seconds;
  throw new DevServerError(
    400,
    `Upstash-Not-Before: "${headers.get(PUBLISH_HEADERS.notBefore)}" is more than ${formatSeconds(MAX_DELAY_SECONDS)} ahead, the most this server accepts (it is unix seconds, e.g. ${Math.floor(now / 1000) + 3600}).`,
  );
}

function urlHeader(headers: HeaderLookup, name: string): string | undefined {
  const value = headers.get(name);
  return value === null ? undefined : checkDestination(value);
}

/** The header names of a callback's options, made once per prefix instead of per message. */
function callbackOptionNames(prefix: string) {
  return {
    retries: `${prefix}-retries`,
    timeout: `${prefix}-timeout`,
    delay: `${prefix}-delay`,
    method: `${prefix}-method`,
  };
}

const CALLBACK_OPTIONS = callbackOptionNames(PUBLISH_HEADERS.callback);
const FAILURE_CALLBACK_OPTIONS = callbackOptionNames(PUBLISH_HEADERS.failureCallback);

function callbackOptions(
  headers: HeaderLookup,
  names: ReturnType<typeof callbackOptionNames>,
): CallbackOptions {
  return {
    retries: intHeader(headers, names.retries),
    timeoutSeconds: durationHeader(headers, names.timeout, MAX_TIMEOUT_SECONDS),
    delaySeconds: durationHeader(headers, names.delay, MAX_DELAY_SECONDS),
    method: headers.get(names.method)?.toUpperCase() ?? undefined,
  };
}
