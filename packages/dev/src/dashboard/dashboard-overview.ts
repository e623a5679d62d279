import { handleManagement } from "../api/handle-management";
import type { DevContext } from "../dev-context";
import type { FlowControlInfo } from "../engine/flow-control";
import { type DeadLetterView, type MessageView, messageViews } from "./message-views";
import { type RouteTarget, routeTarget } from "./route-target";

/** Everything the dashboard page shows, in one answer (`GET /dashboard/api/overview`). */
export interface DashboardOverview {
  /** The server's clock, so the page can say "in 3s" without trusting its own. */
  now: number;
  /** Every wait is divided by this (`--speed`). */
  speed: number;
  messages: MessageView[];
  deadLetters: DeadLetterView[];
  /** As `GET /v2/schedules` answers them, with the target their destination means. */
  schedules: (Record<string, unknown> & { target: RouteTarget })[];
  /** As `GET /v2/queues` answers them (with `lag`), plus the deliveries in flight. */
  queues: (Record<string, unknown> & { name: string; inFlight: number })[];
  flowControlKeys: FlowControlInfo[];
  /** Switchboard route URLs seen, most recent first: where the page's Send form publishes. */
  routes: string[];
  /** Job names seen, for the Send form. */
  jobs: string[];
}

/**
 * Gathers the dashboard's view of the server: messages with their attempts, dead letters with
 * why they died, schedules, queues and flow-control keys. Schedules and queues come from the same
 * code that answers the QStash API, so both always agree.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(dashboardOverview(ctx));
 * ```
 */
export function dashboardOverview(ctx: DevContext): DashboardOverview {
  const { messages, deadLetters } = messageViews({
    events: ctx.engine.events,
    messages: ctx.store.state.messages,
    dlq: ctx.store.state.dlq,
  });
  const inFlight = new Map<string, number>();
  for (const m of messages)
    if (m.state === "delivering" && m.queueName)
      inFlight.set(m.queueName, (inFlight.get(m.queueName) ?? 0) + 1);
  const routes = new Set<string>();
  const jobs = new Set<string>();
  for (const { target } of messages) {
    if (target.kind !== "url") routes.add(target.route);
    if (target.kind === "job" && !target.hook) jobs.add(target.job);
  }
  const schedules = list(ctx, "schedules").map((s) => ({
    ...s,
    target: routeTarget(String(s.destination)),
  }));
  const queues = list(ctx, "queues").map((q) => ({
    ...q,
    name: String(q.name),
    inFlight: inFlight.get(String(q.name)) ?? 0,
  }));
  return {
    now: Date.now(),
    speed: ctx.speed,
    messages,
    deadLetters,
    schedules,
    queues,
    flowControlKeys: ctx.engine.flowControl.list(),
    routes: [...routes],
    jobs: [...jobs].sort(),
  };
}

function list(ctx: DevContext, resource: "schedules" | "queues"): Record<string, unknown>[] {
  const { body } = handleManagement(ctx, {
    method: "GET",
    segments: [resource],
    rawRest: "",
    query: new URLSearchParams(),
    headers: new Headers(),
    body: Buffer.alloc(0),
    callerIp: "127.0.0.1",
  });
  return body as Record<string, unknown>[];
}
