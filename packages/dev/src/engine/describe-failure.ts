/** A destination's non-2xx answer, as {@link describeFailure} reads it. */
export interface FailedAnswer {
  status: number;
  /** The whole response body (up to the engine's read limit), not a slice of it. */
  body: Buffer;
  /** The destination URL the delivery went to. */
  url: string;
  method: string;
}

/** How much of a body that is not JSON the log shows. */
const TEXT_LIMIT = 200;

/**
 * One line saying why a delivery failed. A Switchboard error (`{ error: { code, message, fix? } }`)
 * gives its code, its whole message and its fix, never its stack; a QStash-style `{ error: "…" }`
 * gives its message. A 404 or 405 that is not Switchboard's means no route answers that path, so
 * the line asks about `SWITCHBOARD_URL` instead of showing the framework's HTML page. Other bodies
 * are shown as text, HTML stripped, cut to 200 characters.
 *
 * @example
 * ```ts
 * describeFailure({ status: 404, body: html, url: "http://127.0.0.1:3000/api/jobs", method: "POST" });
 * // "nothing serves /api/jobs on 127.0.0.1:3000 (404): does SWITCHBOARD_URL match the path of your route file?"
 * ```
 */
export function describeFailure({ status, body, url, method }: FailedAnswer): string {
  const text = body.toString("utf8");
  const parsed = parseJson(text);
  const switchboard = switchboardError(parsed);
  if (switchboard) return switchboard;
  if (status === 404 || status === 405) return nothingServes(status, url, method);
  const message = plainMessage(parsed);
  if (message) return message;
  const plain = (parsed === undefined ? stripHtml(text) : text).replace(/\s+/g, " ").trim();
  if (!plain) return `HTTP ${status}`;
  return plain.length > TEXT_LIMIT ? `${plain.slice(0, TEXT_LIMIT)}…` : plain;
}

/**
 * One line saying why a delivery got no answer at all: the app is not running (connection
 * refused), the host does not resolve, or the underlying network error.
 *
 * @example
 * ```ts
 * describeUnreachable(fetchError, "http://127.0.0.1:3000/api/switchboard");
 * // "connection refused: your app is not running on 127.0.0.1:3000 (start it, or fix the host and port in SWITCHBOARD_URL)"
 * ```
 */
export function describeUnreachable(error: unknown, url: string): string {
  // fetch wraps the socket error: TypeError("fetch failed", { cause: Error & { code } }).
  const cause = (error instanceof Error && error.cause instanceof Error ? error.cause : error) as
    | (Error & { code?: string })
    | undefined;
  const where = hostAndPort(url);
  if (cause?.code === "ECONNREFUSED")
    return `connection refused: your app is not running on ${where} (start it, or fix the host and port in SWITCHBOARD_URL)`;
  if (cause?.code === "ENOTFOUND")
    return `cannot resolve the host ${hostname(url)}: fix the host in SWITCHBOARD_URL`;
  return cause instanceof Error ? cause.message : String(cause);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `CODE: message — fix: …` for the route's `{ error: { code, message, fix?|hint? } }`. */
function switchboardError(parsed: unknown): string | undefined {
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (!isRecord(error) || typeof error.code !== "string" || typeof error.message !== "string") return;
  const fix = typeof error.fix === "string" ? error.fix : typeof error.hint === "string" ? error.hint : "";
  return `${error.code}: ${error.message}${fix ? ` — fix: ${fix}` : ""}`;
}

/** The message of `{ error: "…" }` (QStash's shape), `{ error: { message } }` or `{ message }`. */
function plainMessage(parsed: unknown): string | undefined {
  if (!isRecord(parsed)) return;
  const { error, message } = parsed;
  if (typeof error === "string" && error) return error;
  if (isRecord(error) && typeof error.message === "string" && error.message) return error.message;
  if (typeof message === "string" && message) return message;
  return;
}

function nothingServes(status: number, url: string, method: string): string {
  const path = pathname(url);
  const where = hostAndPort(url);
  return status === 405
    ? `nothing serves ${method} ${path} on ${where} (405): does SWITCHBOARD_URL match the path of your route file, and does it export ${method}?`
    : `nothing serves ${path} on ${where} (404): does SWITCHBOARD_URL match the path of your route file?`;
}

function stripHtml(text: string): string {
  if (!/<[a-z!/]/i.test(text)) return text;
  return text
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pathname(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function hostname(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** `127.0.0.1:3000`, with the scheme's port spelled out when the URL leaves it implicit. */
function hostAndPort(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
    return `${parsed.hostname}:${port}`; // an IPv6 hostname keeps its brackets
  } catch {
    return url;
  }
}
