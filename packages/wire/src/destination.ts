/** Which definition a delivery is for, as encoded in the destination URL's query. */
export type RouteTarget =
  | { kind: "job"; job: string; hook?: Hook }
  | { kind: "channel"; channel: string; subscriber: string; hook?: Hook; flush?: true }
  | { kind: "workflow"; workflow: string; hook?: undefined };

/**
 * `success` and `failure` mark QStash callback and failure-callback deliveries. A channel target
 * with `flush: true` is a digest or debounce subscriber's flush: the delayed message that delivers
 * a key's collected events (`&flush=1`), with hooks of its own.
 */
export type Hook = "success" | "failure";

/**
 * The query parameters of a destination URL. The route URL a user configures must not use them:
 * they are how a delivery names its target.
 */
export const QUERY = Object.freeze({
  job: "job",
  channel: "channel",
  subscriber: "subscriber",
  hook: "hook",
  workflow: "workflow",
  flush: "flush",
} as const);

/** {@link QUERY}'s names, for checking a configured route URL. */
export const RESERVED_QUERY_NAMES: readonly string[] = Object.freeze(Object.values(QUERY));

/** Names of jobs, channels, subscribers and schedule ids: URL-safe, 1 to 128 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The exact URL QStash is told to call for a target. Dispatch and verification both use it, so the
 * signature's `sub` claim is checked against a URL we built, never against what a proxy passed on.
 */
export function destinationUrl(base: string, target: RouteTarget): string {
  // Called for every delivery (the expected `sub`): memoise, since targets repeat.
  const key = `${base}\n${target.kind}\n${nameOf(target)}\n${target.kind === "channel" ? `${target.subscriber}\n${target.flush ? 1 : 0}` : ""}\n${target.hook ?? ""}`;
  const cached = destinations.get(key);
  if (cached !== undefined) return cached;
  const built = buildDestination(base, target);
  if (destinations.size >= 1000) destinations.clear();
  destinations.set(key, built);
  return built;
}

const destinations = new Map<string, string>();

function buildDestination(base: string, target: RouteTarget): string {
  const url = new URL(base);
  if (target.kind === "job") {
    url.searchParams.set(QUERY.job, target.job);
  } else if (target.kind === "workflow") {
    url.searchParams.set(QUERY.workflow, target.workflow);
  } else {
    url.searchParams.set(QUERY.channel, target.channel);
    url.searchParams.set(QUERY.subscriber, target.subscriber);
    if (target.flush) url.searchParams.set(QUERY.flush, "1");
  }
  if (target.hook) url.searchParams.set(QUERY.hook, target.hook);
  return url.toString();
}

/** Reads a target from a query string; `undefined` when the query names none or is malformed. */
export function parseTarget(search: URLSearchParams): RouteTarget | undefined {
  const job = search.get(QUERY.job);
  const channel = search.get(QUERY.channel);
  const subscriber = search.get(QUERY.subscriber);
  const hookParam = search.get(QUERY.hook);
  if (hookParam !== null && hookParam !== "success" && hookParam !== "failure") return undefined;
  const hook = hookParam ?? undefined;
  const flushParam = search.get(QUERY.flush);
  if (flushParam !== null && flushParam !== "1") return undefined;
  const flush = flushParam === "1";
  const workflow = search.get(QUERY.workflow);
  if (workflow !== null) {
    // Workflow callbacks come back to the workflow's own URL: it takes no other parameter.
    return job === null && channel === null && subscriber === null && hook === undefined && !flush
      ? { kind: "workflow", workflow }
      : undefined;
  }
  if (job !== null && channel === null && subscriber === null && !flush) {
    return hook ? { kind: "job", job, hook } : { kind: "job", job };
  }
  if (job === null && channel !== null && subscriber !== null) {
    return {
      kind: "channel",
      channel,
      subscriber,
      ...(hook ? { hook } : {}),
      ...(flush ? { flush: true as const } : {}),
    };
  }
  return undefined;
}

/** The same target without its hook: the message a callback reports on was sent to this. */
export function withoutHook(target: RouteTarget): RouteTarget {
  if (!target.hook) return target;
  if (target.kind === "job") return { kind: "job", job: target.job };
  const { hook: _hook, ...rest } = target;
  return rest;
}

/** Describes a target for messages: `job "send-email"` or `channel "notify" subscriber "sms"`. */
export function describeTarget(target: RouteTarget): string {
  const what =
    target.kind === "channel"
      ? `${target.flush ? "flush of " : ""}channel "${target.channel}" subscriber "${target.subscriber}"`
      : `${target.kind} "${nameOf(target)}"`;
  return target.hook ? `${target.hook} hook of ${what}` : what;
}

/** The job, channel or workflow name a target names. */
export function nameOf(target: RouteTarget): string {
  return target.kind === "job" ? target.job : target.kind === "channel" ? target.channel : target.workflow;
}
