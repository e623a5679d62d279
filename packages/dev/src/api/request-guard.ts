import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";

/** What {@link createRequestGuard} needs: where the server listens and what the user opened up. */
export interface RequestGuardOptions {
  /** The interface the server listens on (`--host`). A non-loopback one also admits IP-address Hosts. */
  host: string;
  /** More names the server may be reached by (`--allow-host`), e.g. a Docker service name. @default [] */
  allowHosts?: readonly string[];
  /** Web page origins allowed to call the server, with CORS (`--allow-origin`). @default [] */
  allowOrigins?: readonly string[];
}

/** A checked, normalised {@link RequestGuardOptions}: what both servers admit. */
export interface RequestGuard {
  /** `true` when listening on a non-loopback interface: IP-address Hosts are admitted too. */
  readonly publicBind: boolean;
  /** Host names admitted besides the loopback ones, lower-case, without a port. */
  readonly allowHosts: readonly string[];
  /** Origins admitted, as browsers send them (`http://localhost:3000`). */
  readonly allowOrigins: readonly string[];
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const PREFLIGHT_METHODS = "GET, POST, PUT, PATCH, DELETE";

/**
 * Checks the allow-lists once, at start-up, so a typo fails loudly instead of admitting nothing
 * (or too much). Throws a `TypeError` naming the entry and the form it should take.
 *
 * @example
 * ```ts
 * const guard = createRequestGuard({ host: "127.0.0.1", allowOrigins: ["http://localhost:3000"] });
 * ```
 */
export function createRequestGuard(options: RequestGuardOptions): RequestGuard {
  return {
    publicBind: !isLoopbackInterface(options.host),
    allowHosts: (options.allowHosts ?? []).map(toHostName),
    allowOrigins: (options.allowOrigins ?? []).map(toOrigin),
  };
}

/**
 * Why a request must be refused (403), or `undefined` to answer it. The dev server runs on a
 * developer's machine with a token everyone knows, so any web page they open could otherwise drive
 * it: a page's requests carry an `Origin` (or `Sec-Fetch-Site`) naming another site, and a page
 * that rebinds its own DNS name to 127.0.0.1 sends its name as `Host`. Server-side clients (the
 * Upstash SDKs, curl, Node's fetch) send neither, so they are never refused here.
 *
 * @example
 * ```ts
 * requestRefusal(guard, { host: "attacker.example:8080" }); // "Forbidden: Host …"
 * ```
 */
export function requestRefusal(guard: RequestGuard, headers: IncomingHttpHeaders): string | undefined {
  const verdict = judge(guard, headers);
  return "refusal" in verdict ? verdict.refusal : undefined;
}

/**
 * Applies the guard to one request: answers a refused one with 403 `{ "error": … }`, a CORS
 * preflight from an allowed origin with 204, and adds CORS headers for an allowed origin.
 * Returns `true` when the request is for the server to answer.
 *
 * @example
 * ```ts
 * createServer((req, res) => {
 *   if (admitRequest(guard, req, res)) void handle(req, res);
 * });
 * ```
 */
export function admitRequest(guard: RequestGuard, req: IncomingMessage, res: ServerResponse): boolean {
  const verdict = judge(guard, req.headers);
  if ("refusal" in verdict) {
    const text = JSON.stringify({ error: verdict.refusal });
    res.writeHead(403, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
    return false;
  }
  if (verdict.corsOrigin === undefined) return true;
  res.setHeader("Access-Control-Allow-Origin", verdict.corsOrigin);
  res.setHeader("Vary", "Origin");
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
    res.writeHead(204, {
      "Access-Control-Allow-Methods": PREFLIGHT_METHODS,
      "Access-Control-Allow-Headers": req.headers["access-control-request-headers"] ?? "",
      "Access-Control-Max-Age": "600",
      // Chrome asks before a public page may call a private address.
      ...(req.headers["access-control-request-private-network"] === "true"
        ? { "Access-Control-Allow-Private-Network": "true" }
        : {}),
    });
    res.end();
    return false;
  }
  // The SDKs read upstash-sync-token (Redis REST) from the answer; a page can only if it is exposed.
  res.setHeader("Access-Control-Expose-Headers", "*");
  return true;
}

type Verdict = { refusal: string } | { corsOrigin: string | undefined };

function judge(guard: RequestGuard, headers: IncomingHttpHeaders): Verdict {
  const host = headers.host;
  if (host !== undefined) {
    const refusal = hostRefusal(guard, host);
    if (refusal) return { refusal };
  }
  const origin = headers.origin;
  if (origin !== undefined) {
    const normalised = origin.toLowerCase();
    if (guard.allowOrigins.includes(normalised)) return { corsOrigin: origin };
    if (host === undefined || normalised !== ownOrigin(host)) return { refusal: originRefusal(origin) };
  }
  const site = String(headers["sec-fetch-site"] ?? "").toLowerCase();
  if (site === "cross-site" || site === "same-site") {
    return {
      refusal:
        `Forbidden: the browser marked this request Sec-Fetch-Site: ${site}: another site's page sent it. ` +
        `${WHY_PAGES} To let a page in, start switchboard dev with --allow-origin <its origin> (allowOrigins).`,
    };
  }
  return { corsOrigin: undefined };
}

const WHY_PAGES =
  "switchboard dev does not answer other sites' pages: any page you visit could publish jobs, read the signing keys and write your Redis, since the default token is public. " +
  "Server-side clients (the Upstash SDKs, curl, Node's fetch) send no Origin and are answered.";

function originRefusal(origin: string): string {
  const optIn =
    origin === "null"
      ? "A sandboxed frame or file:// page (Origin null) cannot be allowed; serve the page from http://localhost and allow that origin with --allow-origin <origin> (allowOrigins)."
      : `To let that page in, start switchboard dev with --allow-origin ${origin} (allowOrigins).`;
  return `Forbidden: a web page sent this request (Origin ${origin}). ${WHY_PAGES} ${optIn}`;
}

function hostRefusal(guard: RequestGuard, host: string): string | undefined {
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname;
  } catch {
    return `Forbidden: the Host header "${host}" is not a host name.`;
  }
  if (LOOPBACK_HOSTS.has(name) || guard.allowHosts.includes(name)) return undefined;
  // A rebinding page sends its own DNS name; an address in Host was dialled as an address.
  if (guard.publicBind && isIP(name.replace(/^\[|\]$/g, "")) !== 0) return undefined;
  const admitted = guard.publicBind
    ? "a loopback name (127.0.0.1, localhost, [::1]) or an IP address"
    : "a loopback name (127.0.0.1, localhost, [::1])";
  return (
    `Forbidden: Host "${host}" is not ${admitted}. A web page can reach a local server under a name of its own ` +
    `(DNS rebinding), so switchboard dev answers only those names. To reach it as ${name} (a Docker service, ` +
    `host.docker.internal), start it with --allow-host ${name} (allowHosts)` +
    (guard.publicBind ? "." : ", and --host 0.0.0.0 to listen beyond loopback.")
  );
}

/**
 * The 401 message for a token sent in the query string (`?qstash_token=`, `?_token=`) while
 * `allowQueryToken` is off: any link, image or form on any web page can carry a query string.
 *
 * @example
 * ```ts
 * throw new DevServerError(401, queryTokenRefusal("qstash_token"));
 * ```
 */
export function queryTokenRefusal(parameter: string): string {
  return (
    `Unauthorized: a token in the query string (?${parameter}=) is refused, since a link or form on any web page can carry one. ` +
    "Send it as the header Authorization: Bearer <token>, or start switchboard dev with --allow-query-token (allowQueryToken)."
  );
}

function ownOrigin(host: string): string {
  // Only reached once hostRefusal parsed the Host, so this cannot throw.
  return new URL(`http://${host}`).origin;
}

function isLoopbackInterface(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function toHostName(entry: string): string {
  let name: string | undefined;
  try {
    name = /[/@?#]/.test(entry) ? undefined : new URL(`http://${entry}`).hostname;
  } catch {
    name = undefined;
  }
  if (!name)
    throw new TypeError(
      `allowHosts: "${entry}" is not a host name; give the name clients dial, e.g. "switchboard" or "host.docker.internal".`,
    );
  return name;
}

function toOrigin(entry: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.hash) {
    const guess = entry.includes("://") || entry === "*" ? "http://localhost:3000" : `http://${entry}`;
    throw new TypeError(
      `allowOrigins: "${entry}" is not an origin; write each page's origin as the browser sends it, e.g. "${guess}".`,
    );
  }
  return url.origin;
}
