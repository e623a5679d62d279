import { FeedError } from "../feed-error";
import {
  type FeedAction,
  type FeedCounts,
  type FeedPageBody,
  type FeedStatus,
  readCounts,
  readPage,
} from "./feed-protocol";

/** How the hook reaches the feed route: `fetch`, and whether to send cookies cross-origin. */
export interface FeedHttp {
  fetch: typeof globalThis.fetch;
  credentials: RequestCredentials;
}

/** What a page request asks for (SPEC-17: `GET <url>?view=page&before=&limit=&status=&category=`). */
export interface PageQuery {
  before?: number | undefined;
  limit: number;
  status: FeedStatus;
  category?: string | undefined;
}

/** `GET <url>?view=page…`: one page of the feed as JSON. Throws a `FeedError` saying what went wrong. */
export async function fetchFeedPage<TData>(
  http: FeedHttp,
  url: string,
  query: PageQuery,
): Promise<FeedPageBody<TData>> {
  const params: Record<string, string> = { view: "page", limit: String(query.limit), status: query.status };
  if (query.before !== undefined) params.before = String(query.before);
  if (query.category !== undefined) params.category = query.category;
  const target = withParams(url, params);
  const body = await send(http, target, { method: "GET", headers: { Accept: "application/json" } });
  const page = readPage<TData>(body);
  if (!page)
    throw new FeedError(
      `useFeed: GET ${target} did not answer a feed page ({ items, nextCursor, counts }); is it feed.handler(...)?`,
    );
  return page;
}

/** `POST <url>` `{ action, ids }`: marks items; resolves to the counts after. */
export async function postFeedAction(
  http: FeedHttp,
  url: string,
  action: FeedAction,
  ids: readonly number[] | "all",
): Promise<FeedCounts | undefined> {
  const body = await send(http, url, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify({ action, ids }),
  });
  return readCounts((body as { counts?: unknown } | undefined)?.counts);
}

async function send(http: FeedHttp, url: string, init: RequestInit): Promise<unknown> {
  const what = `${init.method} ${url}`;
  let response: Response;
  try {
    response = await http.fetch(url, { ...init, credentials: http.credentials });
  } catch (error) {
    throw new FeedError(`useFeed: ${what} failed: ${(error as Error)?.message ?? error}. Is the network up?`);
  }
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const detail =
      typeof error?.message === "string"
        ? `: ${typeof error.code === "string" ? `${error.code}: ` : ""}${error.message}`
        : "";
    throw new FeedError(`useFeed: ${what} answered ${response.status}${detail}`);
  }
  if (body === undefined && init.method === "GET")
    throw new FeedError(`useFeed: ${what} did not answer JSON; is the URL the feed's route (feed.handler)?`);
  return body;
}

function withParams(url: string, params: Record<string, string>): string {
  const [path, hash] = url.split("#", 2) as [string, string | undefined];
  const query = new URLSearchParams(params).toString();
  const joined = `${path}${path.includes("?") ? "&" : "?"}${query}`;
  return hash === undefined ? joined : `${joined}#${hash}`;
}
