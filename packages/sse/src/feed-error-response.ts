/** The codes an sse route answers with, each with its status (core's names where core has one). */
const STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FEED_FAILED: 500,
} as const;

/** An error code an sse route can answer with. */
export type FeedErrorCode = keyof typeof STATUS;

const encoder = new TextEncoder();

/**
 * The one place sse turns a refusal into a `Response`: the status for `code` and the body shape
 * of core's route, `{ error: { code, message } }`, with its `Content-Length` (so a Node bridge
 * sends it in one write). Internal. Core's `errorResponse` is not exported and lives beside
 * server-only code; when core exports a runtime-neutral helper, this should become a call to it.
 */
export function feedErrorResponse(
  code: FeedErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const { status, body } = feedErrorAnswer(code, message);
  return jsonResponse(body, status, headers);
}

/** The status and body of {@link feedErrorResponse}, for a front that writes its own response. Internal. */
export function feedErrorAnswer(code: FeedErrorCode, message: string): { status: number; body: unknown } {
  return { status: STATUS[code], body: { error: { code, message } } };
}

/** A JSON response that no cache keeps (it is one user's feed). Internal. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const bytes = encoder.encode(JSON.stringify(body));
  return new Response(bytes, {
    status,
    headers: {
      "Content-Type": "application/json",
      "Content-Length": String(bytes.byteLength),
      "Cache-Control": "no-store",
      ...headers,
    },
  });
}
