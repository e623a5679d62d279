import type { Feed } from "./create-feed";
import { FeedError } from "./feed-error";
import { feedErrorResponse, jsonResponse } from "./feed-error-response";
import type { FeedCounts, FeedStatus } from "./feed-item";
import type { FeedFlags } from "./feed-store";
import type { StreamOptions } from "./feed-stream";

/** Options for `feed.handler`: the stream options, with the recipient read from each request. */
export interface FeedHandlerOptions extends Omit<StreamOptions, "recipient"> {
  /**
   * Reads the signed-in user's id from the request with your own auth (cookie session, token).
   * `null` or `undefined` answers 401. Never read it from the query string.
   */
  recipient: (request: Request) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Origins besides the request's own allowed to POST actions, e.g. `["https://app.example.com"]`
   * when a proxy changes the `Host` the route sees. A browser's cross-site POST is refused.
   * @default [] (same origin only)
   */
  origins?: readonly string[];
}

/** The feed's flag write, as `feed.markSeen` and the others run it, returning the counts. Internal. */
export type MarkFlags = (
  recipient: string,
  ids: readonly number[] | "all",
  flags: FeedFlags,
  where: string,
  all: boolean,
) => Promise<FeedCounts>;

/** The largest action body the route reads. */
export const MAX_ACTION_BYTES = 64 * 1024;

const ACTIONS = ["seen", "read", "unread", "archive", "unarchive"] as const;
type Action = (typeof ACTIONS)[number];
/** Actions that take `"all"`. */
const ALL_ALLOWED: ReadonlySet<Action> = new Set(["seen", "read", "archive"]);

/**
 * The feed's one route. `GET` streams (or, with `?view=page`, answers a JSON page); `POST` runs a
 * JSON action. Internal: `feed.handler` is the public way in.
 */
export function feedHandler(
  feed: Feed<unknown>,
  options: FeedHandlerOptions,
  mark: MarkFlags,
): (request: Request) => Promise<Response> {
  if (typeof options?.recipient !== "function") {
    throw new FeedError(
      "feed.handler: pass { recipient: (request) => userId } that reads the user from your own auth.",
    );
  }
  const origins = new Set(options.origins ?? []);
  const { recipient: readRecipient, origins: _origins, ...streamOptions } = options;
  const unauthorized = () =>
    feedErrorResponse(
      "UNAUTHORIZED",
      "No recipient: sign in, or make the recipient callback return the signed-in user's id.",
    );
  return async (request) => {
    if (request.method === "POST") {
      const refused = refuseCrossSite(request, origins) ?? refuseContentType(request);
      if (refused) return refused;
      const recipient = await readRecipient(request);
      if (typeof recipient !== "string" || recipient === "") return unauthorized();
      return answer(() => runAction(mark, recipient, request));
    }
    if (request.method !== "GET")
      return feedErrorResponse(
        "METHOD_NOT_ALLOWED",
        `${request.method} is not served here: GET streams or pages the feed, POST runs an action.`,
        { Allow: "GET, POST" },
      );
    const url = new URL(request.url);
    const view = url.searchParams.get("view");
    if (view === null) {
      const recipient = await readRecipient(request);
      return feed.stream(request, { ...streamOptions, recipient });
    }
    if (view !== "page")
      return feedErrorResponse(
        "BAD_REQUEST",
        `view=${view.slice(0, 40)} is unknown: use view=page, or no view for the stream.`,
      );
    const recipient = await readRecipient(request);
    if (typeof recipient !== "string" || recipient === "") return unauthorized();
    return answer(async () => {
      const page = await feed.list(recipient, {
        ...optional("before", whole(url.searchParams.get("before"), "before")),
        ...optional("limit", whole(url.searchParams.get("limit"), "limit")),
        ...optional("status", (url.searchParams.get("status") || undefined) as FeedStatus | undefined),
        ...optional("category", url.searchParams.get("category") || undefined),
      });
      return jsonResponse({ ...page, nextCursor: page.nextCursor ?? null });
    });
  };
}

/** Runs one request's work: a FeedError is the client's mistake (400), anything else a 500. */
async function answer(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FeedError) return feedErrorResponse("BAD_REQUEST", error.message);
    return feedErrorResponse("FEED_FAILED", "The feed's store failed; try again.");
  }
}

/**
 * A browser's cross-site request (`Sec-Fetch-Site: cross-site`, or an `Origin` whose host is
 * neither this URL's nor the `Host` header's, nor one of `origins`) must not act for the
 * signed-in user: that is CSRF. A page cannot set `Host`: the browser sends the host it called.
 */
function refuseCrossSite(request: Request, origins: ReadonlySet<string>): Response | undefined {
  const forbidden = (why: string) =>
    feedErrorResponse(
      "FORBIDDEN",
      `Cross-site request refused (${why}): POST from a page on this site, or list its origin in feed.handler({ origins }).`,
    );
  const origin = request.headers.get("origin");
  if (origin !== null && origins.has(origin)) return undefined;
  if (request.headers.get("sec-fetch-site") === "cross-site") return forbidden("Sec-Fetch-Site: cross-site");
  if (origin === null) return undefined;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  // The browser's own page sends the host it called as `Host`; a framework may rebuild
  // `request.url` with another name for the same server (Next uses `localhost` for 127.0.0.1).
  if (host === undefined || (host !== new URL(request.url).host && host !== request.headers.get("host")))
    return forbidden(`Origin ${origin.slice(0, 100)}`);
  return undefined;
}

/**
 * Only `application/json`: a form or `text/plain` POST is a "simple request" any site can make
 * without asking, so it is refused before anything is read.
 */
function refuseContentType(request: Request): Response | undefined {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") return undefined;
  return feedErrorResponse(
    "UNSUPPORTED_MEDIA_TYPE",
    `Send the action as JSON with Content-Type: application/json (got ${type ? type.slice(0, 100) : "none"}).`,
  );
}

async function runAction(mark: MarkFlags, recipient: string, request: Request): Promise<Response> {
  const text = await readBounded(request);
  if (text === undefined)
    return feedErrorResponse(
      "PAYLOAD_TOO_LARGE",
      `The action body is larger than ${MAX_ACTION_BYTES} bytes: send at most 1000 ids per request.`,
    );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return feedErrorResponse(
      "BAD_REQUEST",
      'The body is not JSON: send { "action": "read", "ids": [1, 2] }.',
    );
  }
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return feedErrorResponse(
      "BAD_REQUEST",
      'The body must be a JSON object: { "action": "read", "ids": [1, 2] }.',
    );
  const { action, ids } = body as { action?: unknown; ids?: unknown };
  if (!ACTIONS.includes(action as Action))
    return feedErrorResponse(
      "BAD_REQUEST",
      `action must be one of ${ACTIONS.map((a) => `"${a}"`).join(", ")}${typeof action === "string" ? ` (got "${action.slice(0, 40)}")` : ""}.`,
    );
  if (ids === "all" && !ALL_ALLOWED.has(action as Action))
    return feedErrorResponse("BAD_REQUEST", `action "${action}" takes a list of ids, not "all".`);
  const flags: Record<Action, FeedFlags> = {
    seen: { seen: true },
    read: { read: true },
    unread: { read: false },
    archive: { archived: true },
    unarchive: { archived: false },
  };
  const counts = await mark(
    recipient,
    ids as readonly number[] | "all",
    flags[action as Action],
    action as string,
    ALL_ALLOWED.has(action as Action),
  );
  return jsonResponse({ counts });
}

/** The body as text, or `undefined` once it passes {@link MAX_ACTION_BYTES} (reading stops there). */
async function readBounded(request: Request): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_ACTION_BYTES) return undefined;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ACTION_BYTES) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** A query value as a whole number, for `list` to check the range of. */
function whole(value: string | null, name: string): number | undefined {
  if (value === null || value === "") return undefined;
  if (!/^\d{1,16}$/.test(value))
    throw new FeedError(`${name} must be a whole number, got "${value.slice(0, 40)}".`);
  return Number(value);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
