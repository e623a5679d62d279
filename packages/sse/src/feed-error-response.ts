/** The codes an sse route answers with, each with its status (a subset of core's error codes). */
const STATUS = { UNAUTHORIZED: 401 } as const;

/** An error code an sse route can answer with. */
export type FeedErrorCode = keyof typeof STATUS;

const encoder = new TextEncoder();

/**
 * The one place sse turns a refusal into a `Response`: the status for `code` and the body shape
 * of core's route, `{ error: { code, message } }`, with its `Content-Length` (so a Node bridge
 * sends it in one write). Internal. Core's `errorResponse` is not exported and lives beside
 * server-only code; when core exports a runtime-neutral helper, this should become a call to it.
 */
export function feedErrorResponse(code: FeedErrorCode, message: string): Response {
  const bytes = encoder.encode(JSON.stringify({ error: { code, message } }));
  return new Response(bytes, {
    status: STATUS[code],
    headers: { "Content-Type": "application/json", "Content-Length": String(bytes.byteLength) },
  });
}
