/**
 * What a destination URL means: a Switchboard job, a channel's subscriber (either possibly a
 * callback `hook`), or just a URL. Read from the query Switchboard's route URL carries
 * (`?job=<name>`, `?channel=<c>&subscriber=<s>`, `&hook=success|failure`), as written by
 * `@switchboard/core`'s `destination.ts` (the dev server does not depend on core at run time).
 */
export type RouteTarget =
  | { kind: "job"; job: string; hook?: "success" | "failure"; route: string }
  | { kind: "channel"; channel: string; subscriber: string; hook?: "success" | "failure"; route: string }
  | { kind: "url"; url: string };

const TARGET_PARAMS = ["job", "channel", "subscriber", "hook"];

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
  const query = parsed.searchParams;
  const job = query.get("job");
  const channel = query.get("channel");
  const subscriber = query.get("subscriber");
  const hookParam = query.get("hook");
  if (hookParam !== null && hookParam !== "success" && hookParam !== "failure") return { kind: "url", url };
  const hook: { hook?: "success" | "failure" } = hookParam === null ? {} : { hook: hookParam };
  for (const name of TARGET_PARAMS) query.delete(name);
  const route = parsed.toString();
  if (job !== null && channel === null && subscriber === null) return { kind: "job", job, ...hook, route };
  if (job === null && channel !== null && subscriber !== null)
    return { kind: "channel", channel, subscriber, ...hook, route };
  return { kind: "url", url };
}
