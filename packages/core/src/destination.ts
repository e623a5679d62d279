/** Which definition a delivery is for, as encoded in the destination URL's query. */
export type RouteTarget =
  | { kind: "job"; job: string; hook?: Hook }
  | { kind: "channel"; channel: string; subscriber: string; hook?: Hook }
  | { kind: "workflow"; workflow: string; hook?: undefined };

/** `success` and `failure` mark QStash callback and failure-callback deliveries. */
export type Hook = "success" | "failure";

/** Names of jobs, channels, subscribers and schedule ids: URL-safe, 1 to 128 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The exact URL QStash is told to call for a target. Dispatch and verification both use it, so the
 * signature's `sub` claim is checked against a URL we built, never against what a proxy passed on.
 */
export function destinationUrl(base: string, target: RouteTarget): string {
  // Called for every delivery (the expected `sub`): memoise, since targets repeat.
  const key = `${base}\n${target.kind}\n${nameOf(target)}\n${target.kind === "channel" ? target.subscriber : ""}\n${target.hook ?? ""}`;
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
    url.searchParams.set("job", target.job);
  } else if (target.kind === "workflow") {
    url.searchParams.set("workflow", target.workflow);
  } else {
    url.searchParams.set("channel", target.channel);
    url.searchParams.set("subscriber", target.subscriber);
  }
  if (target.hook) url.searchParams.set("hook", target.hook);
  return url.toString();
}

/** Reads a target from a query string; `undefined` when the query names none or is malformed. */
export function parseTarget(search: URLSearchParams): RouteTarget | undefined {
  const job = search.get("job");
  const channel = search.get("channel");
  const subscriber = search.get("subscriber");
  const hookParam = search.get("hook");
  if (hookParam !== null && hookParam !== "success" && hookParam !== "failure") return undefined;
  const hook = hookParam ?? undefined;
  const workflow = search.get("workflow");
  if (workflow !== null) {
    // Workflow callbacks come back to the workflow's own URL: it takes no other parameter.
    return job === null && channel === null && subscriber === null && hook === undefined
      ? { kind: "workflow", workflow }
      : undefined;
  }
  if (job !== null && channel === null && subscriber === null) {
    return hook ? { kind: "job", job, hook } : { kind: "job", job };
  }
  if (job === null && channel !== null && subscriber !== null) {
    return hook ? { kind: "channel", channel, subscriber, hook } : { kind: "channel", channel, subscriber };
  }
  return undefined;
}

/** Describes a target for messages: `job "send-email"` or `channel "notify" subscriber "sms"`. */
export function describeTarget(target: RouteTarget): string {
  const what =
    target.kind === "channel"
      ? `channel "${target.channel}" subscriber "${target.subscriber}"`
      : `${target.kind} "${nameOf(target)}"`;
  return target.hook ? `${target.hook} hook of ${what}` : what;
}

/** The job, channel or workflow name a target names. */
export function nameOf(target: RouteTarget): string {
  return target.kind === "job" ? target.job : target.kind === "channel" ? target.channel : target.workflow;
}
