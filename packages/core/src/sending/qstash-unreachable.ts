/** Error codes (Node/undici) that mean no HTTP answer came back: nothing listens, or no such host. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** `true` for a URL on this machine: `localhost`, `*.localhost`, 127.x, `::1`, 0.0.0.0. */
export function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    host === "0.0.0.0" ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/**
 * The message for a QStash that could not be reached, or `undefined` when `error` is something
 * else (QStash answered, with an error).
 */
export function unreachableMessage(
  error: unknown,
  origin: { baseUrl: string; source: string } | undefined,
): string | undefined {
  const code = networkCode(error);
  if (code === undefined) return undefined;
  const where = origin ? ` at ${origin.baseUrl}` : "";
  const why = code === "ENOTFOUND" || code === "EAI_AGAIN" ? "no such host" : code.toLowerCase();
  if (origin && isLoopback(origin.baseUrl)) {
    return `could not reach QStash${where} (${why}): is \`switchboard dev\` running? Start it with \`npx @switchboard/dev dev\`, or point QSTASH_URL at where it listens (${origin.source}).`;
  }
  return `could not reach QStash${where} (${why}): check QSTASH_URL and the network (${origin?.source ?? "QSTASH_URL"}). Locally, run \`switchboard dev\` and set SWITCHBOARD_DEV=1 (or QSTASH_URL=http://127.0.0.1:8080).`;
}

/** The network error code in `error`'s cause chain (undici wraps it: `TypeError: fetch failed`). */
function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return code;
    // Several addresses (localhost → ::1 and 127.0.0.1) fail together as an AggregateError.
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const innerCode = networkCode(inner);
        if (innerCode) return innerCode;
      }
    }
    current = cause;
  }
  return undefined;
}
