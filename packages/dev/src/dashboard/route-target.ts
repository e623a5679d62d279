import { parseTarget, RESERVED_QUERY_NAMES } from "@switchboard/wire";

/**
 * What a destination URL means: a Switchboard job, a channel's subscriber (either possibly a
 * callback `hook`), or just a URL. Read with the wire format's `parseTarget`, the same reading the
 * route does. A workflow's URL (`?workflow=`) is shown as a plain URL, as before: the dashboard
 * has no view of workflows yet.
 */
export type RouteTarget =
  | { kind: "job"; job: string; hook?: "success" | "failure"; route: string }
  | { kind: "channel"; channel: string; subscriber: string; hook?: "success" | "failure"; route: string }
  | { kind: "url"; url: string };

/**
 * Decodes a destination URL into what it is for; `route` is the route URL without the target query.
 *
 * @example
 * ```ts
 * routeTarget("http://localhost:3000/api/switchboard?job=send-email");
 * // → { kind: "job", job: "send-email", route: "http://localhost:3000/api/switchboard" }
 * ```
 */
export function routeTarget(url: string): RouteTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: "url", url };
  }
  const target = parseTarget(parsed.searchParams);
  if (target === undefined || target.kind === "workflow") return { kind: "url", url };
  for (const name of RESERVED_QUERY_NAMES) parsed.searchParams.delete(name);
  const route = parsed.toString();
  return { ...target, route };
}
