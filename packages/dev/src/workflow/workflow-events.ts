import { parseJsonBody } from "../api/api-request";
import { type HeaderLookup, headerLookup } from "../api/message-options";
import { publish } from "../api/publish";
import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { parseDuration } from "../wire/duration";
import { MAX_DELAY_SECONDS } from "../wire/limits";
import { RUN_ID_HEADER } from "./workflow-headers";
import type { Waiter } from "./workflow-run";

/**
 * `POST /v2/wait/{eventId}`: `context.waitForEvent`. The body is the SDK's wait request
 * (`{ url, timeout, timeoutUrl, timeoutHeaders, step }`), the headers are the step's. A notify
 * kept for this run and event resolves it at once; otherwise it waits, and a message delayed by
 * `timeout` (scaled by the server's speed) delivers the step with `waitTimeout: true` unless a
 * notify comes first.
 *
 * @example
 * ```ts
 * waitForEvent(ctx, "order-paid", request.headers, request.body, request.callerIp);
 * ```
 */
export function waitForEvent(
  ctx: DevContext,
  eventId: string,
  headers: HeaderLookup,
  body: Buffer,
  callerIp: string,
): void {
  const input = parseJsonBody(body) as Record<string, unknown>;
  const { url, step, timeoutUrl, timeoutHeaders } = input;
  const timeout = typeof input.timeout === "number" ? `${input.timeout}s` : input.timeout;
  if (typeof url !== "string" || typeof step !== "object" || step === null || typeof timeout !== "string")
    throw new DevServerError(
      400,
      "wait: the body must be { url, timeout, step, timeoutUrl?, timeoutHeaders? }.",
    );
  const stepHeaders = publishHeaders(headers);
  const workflowRunId = stepHeaders[RUN_ID_HEADER];
  if (!workflowRunId) throw new DevServerError(400, "wait: the Upstash-Workflow-RunId header is missing.");
  ctx.workflows.check({ [RUN_ID_HEADER]: workflowRunId });
  const seconds = parseDuration(timeout, "wait timeout", MAX_DELAY_SECONDS);
  const deadline = Math.floor((Date.now() + (seconds * 1000) / ctx.speed) / 1000);
  const waitStep = {
    ...(step as Record<string, unknown>),
    waitEventId: eventId,
    waitTimeoutDuration: timeout,
  };

  const kept = ctx.workflows.lookback.get(`${workflowRunId} ${eventId}`);
  if (kept !== undefined) {
    ctx.workflows.lookback.delete(`${workflowRunId} ${eventId}`);
    publishStep(ctx, url, stepHeaders, { ...waitStep, out: kept, waitTimeout: false }, callerIp);
    return;
  }
  const timeoutMessageId = publishStep(
    ctx,
    url,
    { ...stepHeaders, "upstash-delay": `${seconds}s` },
    { ...waitStep, waitTimeout: true, waitTimeoutDeadline: deadline },
    callerIp,
  );
  const waiter: Waiter = {
    workflowRunId,
    eventId,
    url,
    deadline,
    timeout,
    step: waitStep,
    stepHeaders,
    timeoutUrl: typeof timeoutUrl === "string" ? timeoutUrl : undefined,
    timeoutHeaders: isHeaderMap(timeoutHeaders) ? timeoutHeaders : undefined,
    timeoutMessageId,
  };
  ctx.workflows.waiters.set(eventId, [...(ctx.workflows.waiters.get(eventId) ?? []), waiter]);
}

/**
 * `POST /v2/notify/{eventId}` (every waiter of the event) and `POST /v2/notify/{runId}/{eventId}`
 * (that run's waiters; with none, the data is kept for the run's next wait on the event). Each
 * waiter's step is delivered with the data, base64, as `out`. Returns one answer per waiter.
 *
 * @example
 * ```ts
 * const answers = notifyEvent(ctx, "order-paid", Buffer.from('{"paid":true}'), undefined, "127.0.0.1");
 * ```
 */
export function notifyEvent(
  ctx: DevContext,
  eventId: string,
  data: Buffer,
  workflowRunId: string | undefined,
  callerIp: string,
) {
  const all = ctx.workflows.waiters.get(eventId) ?? [];
  const notified = all.filter((w) => workflowRunId === undefined || w.workflowRunId === workflowRunId);
  const rest = all.filter((w) => !notified.includes(w));
  if (rest.length > 0) ctx.workflows.waiters.set(eventId, rest);
  else ctx.workflows.waiters.delete(eventId);
  const out = data.toString("base64");
  if (workflowRunId !== undefined && notified.length === 0) {
    ctx.workflows.check({ [RUN_ID_HEADER]: workflowRunId });
    ctx.workflows.lookback.set(`${workflowRunId} ${eventId}`, out);
  }
  return notified.map((waiter) => {
    ctx.engine.cancel(waiter.timeoutMessageId);
    const messageId = publishStep(
      ctx,
      waiter.url,
      waiter.stepHeaders,
      { ...waiter.step, out, waitTimeout: false },
      callerIp,
    );
    return {
      waiter: describeWaiter(waiter),
      messageId,
      workflowRunId: waiter.workflowRunId,
      workflowCreatedAt: ctx.workflows.run(waiter.workflowRunId)?.createdAt,
    };
  });
}

/** A waiter as `GET /v2/waiters/{eventId}` and notify answers show it. */
export function describeWaiter(waiter: Waiter) {
  return {
    url: waiter.url,
    deadline: waiter.deadline,
    headers: Object.fromEntries(Object.entries(waiter.stepHeaders).map(([name, value]) => [name, [value]])),
    timeoutUrl: waiter.timeoutUrl,
    timeoutHeaders: waiter.timeoutHeaders,
  };
}

function publishStep(
  ctx: DevContext,
  url: string,
  headers: Record<string, string>,
  step: Record<string, unknown>,
  callerIp: string,
): string {
  const { answer } = publish(ctx, url, headerLookup(headers), Buffer.from(JSON.stringify(step)), callerIp);
  if (Array.isArray(answer)) throw new DevServerError(400, "wait: the workflow URL must be a URL.");
  return answer.messageId;
}

/** The wait request's headers that matter to a publish: `upstash-*` (not its timing) and the type. */
function publishHeaders(headers: HeaderLookup): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower === "upstash-delay" || lower === "upstash-not-before") return;
    if (lower.startsWith("upstash-") || lower === "content-type") kept[lower] ??= value;
  });
  return kept;
}

function isHeaderMap(value: unknown): value is Record<string, string[]> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
