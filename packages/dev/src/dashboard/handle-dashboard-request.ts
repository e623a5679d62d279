import type { IncomingMessage, ServerResponse } from "node:http";
import { handleQStashRequest } from "../api/handle-qstash-request";
import type { DevContext } from "../dev-context";
import type { StoredSchedule } from "../store/model";
import type { ChangeFeed } from "./change-feed";
import { DASHBOARD_SCRIPT } from "./dashboard-client";
import { DASHBOARD_CSS } from "./dashboard-css";
import { dashboardOverview } from "./dashboard-overview";
import { DASHBOARD_HTML } from "./dashboard-page";
import { type DashboardAccess, dashboardRefusal } from "./dashboard-refusal";

/** What the dashboard needs from the server. */
export interface Dashboard {
  ctx: DevContext;
  access: DashboardAccess;
  feed: ChangeFeed;
  /** Fires a schedule now, as its cron would (its "Run now" button). */
  runSchedule(schedule: StoredSchedule): void;
}

const API = "/dashboard/api/";

// The page loads nothing from elsewhere and may not be framed: a frame would let another site
// click its buttons.
const PAGE_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/**
 * Whether the dashboard answers this path: the page at `/`, its assets and its API under
 * `/dashboard/`. Everything else is the QStash API.
 *
 * @example
 * ```ts
 * if (isDashboardPath(req.url)) void handleDashboardRequest(dashboard, req, res);
 * ```
 */
export function isDashboardPath(url: string | undefined): boolean {
  const path = (url ?? "/").split("?")[0]!;
  return path === "/" || path.startsWith("/dashboard/");
}

/**
 * Answers the dashboard: `GET /` (the page), `/dashboard/app.js|app.css`, and its JSON API, which
 * only the page may call (see {@link dashboardRefusal}): `GET overview`, `GET changes` (the live
 * event stream), `POST schedules/{id}/run`, and `v2/*`, the QStash API itself, answered with the
 * server's token so the page never holds it.
 *
 * @example
 * ```ts
 * createServer((req, res) => {
 *   if (isDashboardPath(req.url)) void handleDashboardRequest(dashboard, req, res);
 * });
 * ```
 */
export async function handleDashboardRequest(
  dashboard: Dashboard,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? "/";
  const path = url.split("?")[0]!;
  const method = req.method ?? "GET";
  if (!path.startsWith(API)) {
    const asset =
      path === "/"
        ? { type: "text/html", text: DASHBOARD_HTML }
        : path === "/dashboard/app.js"
          ? { type: "text/javascript", text: DASHBOARD_SCRIPT }
          : path === "/dashboard/app.css"
            ? { type: "text/css", text: DASHBOARD_CSS }
            : undefined;
    if (!asset) return sendJson(res, 404, { error: `${path}: not a dashboard page.` });
    if (method !== "GET" && method !== "HEAD")
      return sendJson(res, 405, { error: `${method} ${path}: the dashboard page only answers GET.` });
    res.writeHead(200, {
      ...PAGE_HEADERS,
      "Content-Type": `${asset.type}; charset=utf-8`,
      "Content-Length": Buffer.byteLength(asset.text),
    });
    return void res.end(method === "HEAD" ? undefined : asset.text);
  }
  const refusal = dashboardRefusal(dashboard.access, req.headers);
  if (refusal) return sendJson(res, refusal.status, { error: refusal.error });
  const rest = url.slice(API.length);
  if (rest.startsWith("v2/")) {
    req.url = `/${rest}`;
    req.headers.authorization = `Bearer ${dashboard.ctx.token}`;
    return handleQStashRequest(dashboard.ctx, req, res);
  }
  if (method === "GET" && path === `${API}overview`)
    return sendJson(res, 200, dashboardOverview(dashboard.ctx));
  if (method === "GET" && path === `${API}changes`) return dashboard.feed.stream(req, res);
  const run = /^schedules\/([^/]+)\/run$/.exec(path.slice(API.length));
  if (method === "POST" && run) {
    const schedule = dashboard.ctx.store.state.schedules.get(decodeOr(run[1]!));
    if (!schedule) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: "no such schedule" } });
    dashboard.runSchedule(schedule);
    dashboard.ctx.store.flush();
    return sendJson(res, 200, {});
  }
  sendJson(res, 404, {
    error: { code: "NOT_FOUND", message: `${method} ${path} is not a dashboard API route.` },
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(text);
}

function decodeOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
