import type { IncomingHttpHeaders } from "node:http";

/** The header every call of the dashboard's page carries; see {@link dashboardRefusal}. */
export const DASHBOARD_HEADER = "x-switchboard-dashboard";

/** What {@link dashboardRefusal} checks a call against. */
export interface DashboardAccess {
  /** The API token, asked for when {@link DashboardAccess.tokenRequired}. */
  token: string;
  /**
   * Whether a call must carry the token too: whenever it is a secret (`custom` or `random`
   * credentials). QStash's public development token protects nothing, so the page does not ask for it.
   */
  tokenRequired: boolean;
}

/**
 * Why a call to the dashboard's JSON API (`/dashboard/api/*`) must be refused, with its status, or
 * `undefined` to answer it. `admitRequest` has already refused other sites' pages (a foreign
 * `Origin`, `Sec-Fetch-Site: cross-site|same-site`) and foreign `Host`s (DNS rebinding). On top:
 *
 * - the call must carry `X-Switchboard-Dashboard: 1`. A page on another origin can only send a
 *   custom header after a CORS preflight, which no dashboard route approves, and forms, links,
 *   images and `EventSource` cannot send one at all;
 * - an `Origin`, if any, must be the server's own: the pages `--allow-origin` lets call the QStash
 *   API get no dashboard (they have the token if they need it);
 * - `Sec-Fetch-Site`, if any, must be `same-origin`;
 * - with `custom` or `random` credentials, `Authorization: Bearer <token>` too, so the dashboard
 *   gives nobody more than the QStash API would.
 *
 * @example
 * ```ts
 * const refusal = dashboardRefusal(access, req.headers);
 * if (refusal) return sendJson(res, refusal.status, { error: refusal.error });
 * ```
 */
export function dashboardRefusal(
  access: DashboardAccess,
  headers: IncomingHttpHeaders,
): { status: 401 | 403; error: { code: string; message: string } } | undefined {
  const forbidden = (message: string) => ({ status: 403 as const, error: { code: "FORBIDDEN", message } });
  if (headers[DASHBOARD_HEADER] !== "1")
    return forbidden(
      `Forbidden: the dashboard's API answers only the dashboard page, which sends ${DASHBOARD_HEADER}: 1. Open the server's root URL in a browser; scripts use the QStash API under /v2/.`,
    );
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== ownOrigin(headers.host))
    return forbidden(`Forbidden: the dashboard's API answers only its own page, not a page at ${origin}.`);
  const site = headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin")
    return forbidden(`Forbidden: the dashboard's API answers only its own page (Sec-Fetch-Site: ${site}).`);
  if (access.tokenRequired && headers.authorization !== `Bearer ${access.token}`)
    return {
      status: 401,
      error: {
        code: "TOKEN_REQUIRED",
        message:
          "This server uses its own credentials: enter the token switchboard dev printed (QSTASH_TOKEN) to use the dashboard.",
      },
    };
  return undefined;
}

function ownOrigin(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  try {
    return new URL(`http://${host}`).origin;
  } catch {
    return undefined;
  }
}
