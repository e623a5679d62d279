import type { ApiAnswer, ApiRequest } from "../api/api-request";
import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { describeWaiter, notifyEvent, waitForEvent } from "./workflow-events";
import { workflowLogs } from "./workflow-logs";

/** The first path segments (after `/v2/`) that {@link workflowApi} answers. */
export const WORKFLOW_RESOURCES: ReadonlySet<string> = new Set(["workflows", "wait", "notify", "waiters"]);

const DEFAULT_CANCEL_COUNT = 100;

/**
 * The Upstash Workflow routes of the QStash API that `@upstash/workflow` calls:
 *
 * | route | what |
 * |---|---|
 * | `GET /v2/workflows/runs/{id}` | a running run's history as raw steps (the SDK's "lazy fetch"); 404 once it ended |
 * | `DELETE /v2/workflows/runs/{id}?cancel=false\|true` | the run finished (body: its result) or is cancelled |
 * | `DELETE /v2/workflows/runs?workflowRunIds=…` / `?workflowUrl=…[&workflowUrlExactMatch=true]` | bulk cancel → `{ cancelled }` |
 * | `GET /v2/workflows/logs`, `GET /v2/workflows/events` | runs with their steps → `{ cursor, runs }` |
 * | `POST /v2/wait/{eventId}` | `context.waitForEvent` |
 * | `POST /v2/notify/{eventId}`, `POST /v2/notify/{runId}/{eventId}` | `client.notify` → one answer per waiter |
 * | `GET /v2/waiters/{eventId}` | the event's waiters |
 *
 * @example
 * ```ts
 * if (WORKFLOW_RESOURCES.has(segments[0] ?? "")) return workflowApi(ctx, request);
 * ```
 */
export function workflowApi(ctx: DevContext, request: ApiRequest): ApiAnswer {
  const { method, segments, query, body, callerIp } = request;
  const [resource, first, second] = segments;
  if (resource === "workflows" && first === "runs" && segments.length === 3) {
    const runId = second ?? "";
    if (method === "GET") {
      const run = ctx.workflows.run(runId);
      if (run?.state !== "RUN_STARTED") throw notFound(runId);
      return {
        status: 200,
        body: run.history.map(({ messageId, body, callType }) => ({ messageId, body, callType })),
      };
    }
    if (method === "DELETE") {
      const cancel = query.get("cancel") === "true";
      if (!ctx.workflows.end(ctx.engine, runId, cancel, body.toString("utf8"))) throw notFound(runId);
      return { status: 200 };
    }
  }
  if (method === "DELETE" && resource === "workflows" && first === "runs" && segments.length === 2) {
    const cancelled = bulkCancel(ctx, query);
    return { status: 200, body: { cancelled } };
  }
  if (
    method === "GET" &&
    resource === "workflows" &&
    (first === "logs" || first === "events") &&
    segments.length === 2
  )
    return { status: 200, body: workflowLogs(ctx.workflows.runs, query) };
  if (method === "POST" && resource === "wait" && segments.length === 2) {
    waitForEvent(ctx, first ?? "", request.headers, body, callerIp);
    return { status: 200, body: {} };
  }
  if (method === "POST" && resource === "notify" && (segments.length === 2 || segments.length === 3)) {
    const [runId, eventId] = segments.length === 3 ? [first, second ?? ""] : [undefined, first ?? ""];
    const answers = notifyEvent(ctx, eventId, body, runId, callerIp);
    return { status: 200, body: answers };
  }
  if (method === "GET" && resource === "waiters" && segments.length === 2)
    return { status: 200, body: (ctx.workflows.waiters.get(first ?? "") ?? []).map(describeWaiter) };
  throw new DevServerError(
    404,
    `${method} /v2/${segments.join("/")} is not a workflow API route this server knows.`,
  );
}

function notFound(runId: string): DevServerError {
  return new DevServerError(
    404,
    `workflow run "${runId}" is not running here (never triggered, or already ended).`,
  );
}

function bulkCancel(ctx: DevContext, query: URLSearchParams): number {
  const ids = query
    .getAll("workflowRunIds")
    .flatMap((v) => v.split(","))
    .filter(Boolean);
  const urls = query
    .getAll("workflowUrl")
    .flatMap((v) => v.split(","))
    .filter(Boolean);
  const exact = query.get("workflowUrlExactMatch") === "true";
  const count = Number(query.get("count") ?? DEFAULT_CANCEL_COUNT);
  const running = ctx.workflows.runs.filter((run) => run.state === "RUN_STARTED");
  const chosen =
    ids.length > 0
      ? running.filter((run) => ids.includes(run.workflowRunId))
      : running.filter(
          (run) =>
            urls.length === 0 ||
            urls.some((url) => (exact ? run.workflowUrl === url : run.workflowUrl.startsWith(url))),
        );
  const limited = ids.length > 0 ? chosen : chosen.slice(0, count);
  for (const run of limited) ctx.workflows.end(ctx.engine, run.workflowRunId, true, "");
  return limited.length;
}
