import type { IncomingMessage, ServerResponse } from "node:http";
import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { WORKFLOW_RESOURCES, workflowApi } from "../workflow/workflow-api";
import type { ApiAnswer } from "./api-request";
import { handleManagement } from "./handle-management";
import { publish, publishBatch } from "./publish";
import { queryTokenRefusal } from "./request-guard";

/**
 * Answers one request to the QStash v2 API: publish, enqueue and batch here (the destination is
 * taken from the raw path, query string included, since it becomes the JWT `sub`), everything else
 * through {@link handleManagement}. Errors become `{ error }` with the status QStash would use.
 *
 * @example
 * ```ts
 * const server = createServer((req, res) => void handleQStashRequest(ctx, req, res));
 * ```
 */
export async function handleQStashRequest(
  ctx: DevContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const answer = await route(ctx, req);
    // An answer acknowledges, so every change it acknowledges is journaled and fsynced first (a
    // SIGKILL after the answer loses none of it). Requests answered in the same turn share one
    // fsync with each other and with the deliveries of that turn (see StateStore.commit).
    await ctx.store.commit();
    return answer.body === undefined
      ? sendEmpty(res, answer.status)
      : sendJson(res, answer.status, answer.body);
  } catch (error) {
    const status = error instanceof DevServerError ? error.status : 500;
    // An answer already under way (or a client gone) cannot take an error body; never throw here.
    if (res.headersSent || res.destroyed) return void res.destroy();
    sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Reads, authenticates and routes one request to the resource that answers it. */
async function route(ctx: DevContext, req: IncomingMessage): Promise<ApiAnswer> {
  const rawUrl = req.url ?? "/";
  const method = (req.method ?? "GET").toUpperCase();
  const [pathPart = "", queryPart = ""] = splitOnce(rawUrl, "?");
  const query = new URLSearchParams(queryPart);
  checkAuth(ctx, req, rawUrl);
  const body = await readBody(req);
  const headers = toHeaders(req);
  const callerIp = req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1";

  if (!pathPart.startsWith("/v2/"))
    throw new DevServerError(404, `${method} ${pathPart}: QStash's API lives under /v2/.`);
  const rest = rawUrl.slice("/v2/".length);
  // Publish paths carry the destination raw, query string included: it becomes the JWT `sub`.
  if (method === "POST" && rest.startsWith("publish/")) {
    const { answer, deduplicated } = publish(
      ctx,
      decodeDestination(rest.slice("publish/".length)),
      headers,
      body,
      callerIp,
    );
    return { status: deduplicated ? 202 : 201, body: answer };
  }
  if (method === "POST" && rest.startsWith("enqueue/")) {
    const [queue = "", destination = ""] = splitOnce(rest.slice("enqueue/".length), "/");
    if (!queue) throw new DevServerError(400, "enqueue: the path is /v2/enqueue/{queue}/{destination}.");
    const { answer, deduplicated } = publish(
      ctx,
      decodeDestination(destination),
      headers,
      body,
      callerIp,
      decodePathPart(queue),
    );
    return { status: deduplicated ? 202 : 201, body: answer };
  }
  if (method === "POST" && pathPart === "/v2/batch")
    return { status: 200, body: publishBatch(ctx, parseJson(body), callerIp) };
  const segments = pathPart.slice("/v2/".length).split("/").filter(Boolean).map(decodePathPart);
  checkQueryEncoding(queryPart);
  const rawRest = segments[0] === "schedules" ? decodeDestination(rest.slice("schedules/".length)) : "";
  const request = { method, segments, rawRest, query, headers, body, callerIp };
  return WORKFLOW_RESOURCES.has(segments[0] ?? "")
    ? workflowApi(ctx, request)
    : handleManagement(ctx, request);
}

function checkAuth(ctx: DevContext, req: IncomingMessage, rawUrl: string): void {
  const header = req.headers.authorization ?? "";
  const bearer = header.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
  const fromQuery = /^\/v2\/(?:publish|enqueue|schedules)\//.test(rawUrl)
    ? undefined // there the query string belongs to the destination URL
    : (new URLSearchParams(splitOnce(rawUrl, "?")[1] ?? "").get("qstash_token") ?? undefined);
  // Any page can put a query string in a link or form: the header only, unless opted in.
  if (bearer === undefined && fromQuery !== undefined && !ctx.allowQueryToken)
    throw new DevServerError(401, queryTokenRefusal("qstash_token"));
  if ((bearer ?? fromQuery) !== ctx.token) {
    throw new DevServerError(
      401,
      "Unauthorized: send `Authorization: Bearer <token>` with the token `switchboard dev` printed (QSTASH_TOKEN).",
    );
  }
}

function decodeDestination(raw: string): string {
  // The SDK appends the destination raw; some clients percent-encode it instead.
  return /^https?%3A/i.test(raw) ? decodePathPart(raw) : raw;
}

/** `decodeURIComponent`, but malformed %-encoding (`%E0%A4%A`) is the client's mistake: a 400. */
function decodePathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DevServerError(400, `malformed %-encoding in "${text.slice(0, 200)}".`);
  }
}

/**
 * `URLSearchParams` quietly turns malformed %-encoding into U+FFFD, so a filter would silently
 * match nothing; refuse it instead, as the path does.
 */
function checkQueryEncoding(query: string): void {
  for (const part of query.split("&")) {
    try {
      decodeURIComponent(part.replace(/\+/g, " "));
    } catch {
      throw new DevServerError(400, `malformed %-encoding in the query "${part.slice(0, 200)}".`);
    }
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ""] : [text.slice(0, index), text.slice(index + 1)];
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new DevServerError(400, "the request body is not valid JSON.");
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { "Content-Length": 0 });
  res.end();
}
