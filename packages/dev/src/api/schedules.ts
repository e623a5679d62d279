import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { parseCron } from "../engine/cron-runner";
import { newId } from "../store/ids";
import type { StoredSchedule } from "../store/model";
import { messageSettings } from "../store/new-stored-message";
import { labelFields } from "./api-message";
import type { ApiAnswer, ApiRequest } from "./api-request";
import { checkDestination, parseMessageOptions } from "./message-options";
import { redactBody, redactHeader } from "./redact-fields";

/**
 * Schedules: `POST /v2/schedules/{destination}` with `Upstash-Cron` (and the publish headers) →
 * `{ scheduleId }`, upserting when `Upstash-Schedule-Id` names an existing one;
 * `GET /v2/schedules[/{id}]`, `DELETE /v2/schedules/{id}`, and pause/resume by PATCH (what the SDK
 * sends) or POST (what the docs say). Get and list hide what `Upstash-Redact-Fields` names, as
 * QStash does, and leave `body` out when the schedule has none.
 *
 * @example
 * ```ts
 * const answer = schedulesApi(ctx, request, "digest.daily", "pause");
 * ```
 */
export function schedulesApi(
  ctx: DevContext,
  request: ApiRequest,
  id: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const { method } = request;
  if (method === "POST" && id && /^[a-z][a-z0-9+.-]*:/i.test(id)) return createSchedule(ctx, request);
  if (method === "GET" && !id) {
    return { status: 200, body: [...ctx.store.state.schedules.values()].map((s) => toApiSchedule(ctx, s)) };
  }
  const schedule = id ? ctx.store.state.schedules.get(id) : undefined;
  if (!schedule) throw new DevServerError(404, `schedule "${id}" not found.`);
  if (method === "GET" && !action) return { status: 200, body: toApiSchedule(ctx, schedule) };
  if (method === "DELETE" && !action) {
    ctx.cron.stop(schedule.scheduleId);
    ctx.store.delete("schedules", schedule.scheduleId);
    return { status: 200 };
  }
  if ((method === "PATCH" || method === "POST") && (action === "pause" || action === "resume")) {
    const updated = { ...schedule, isPaused: action === "pause" };
    ctx.store.put("schedules", schedule.scheduleId, updated);
    ctx.cron.start(updated);
    return { status: 200 };
  }
  throw new DevServerError(
    405,
    `schedules: ${method} /v2/schedules/${id}${action ? `/${action}` : ""} is not supported.`,
  );
}

function createSchedule(ctx: DevContext, { rawRest, headers, body, callerIp }: ApiRequest): ApiAnswer {
  const destination = checkDestination(rawRest);
  const options = parseMessageOptions(headers);
  if (!options.cron)
    throw new DevServerError(400, 'schedules: the Upstash-Cron header is required, e.g. "0 9 * * *".');
  parseCron(options.cron);
  const scheduleId = options.scheduleId ?? newId("scd");
  const existing = ctx.store.state.schedules.get(scheduleId);
  const schedule: StoredSchedule = {
    scheduleId,
    cron: options.cron,
    destination,
    ...messageSettings(options),
    body: body.toString("base64"),
    delaySeconds: options.delaySeconds || undefined,
    queueName: options.queueName,
    isPaused: existing?.isPaused ?? false,
    createdAt: existing?.createdAt ?? Date.now(),
    lastScheduleTime: existing?.lastScheduleTime,
    callerIp,
  };
  ctx.store.put("schedules", scheduleId, schedule);
  ctx.cron.start(schedule);
  const next = ctx.cron.nextRun(schedule);
  ctx.reporter.report({
    type: "schedule-created",
    scheduleId,
    url: destination,
    cron: schedule.cron,
    updated: existing !== undefined,
    nextInMs: next === undefined ? undefined : Math.max(0, next - Date.now()) / ctx.speed,
    queueName: schedule.queueName,
  });
  return { status: 201, body: { scheduleId } };
}

function toApiSchedule(ctx: DevContext, schedule: StoredSchedule) {
  return {
    scheduleId: schedule.scheduleId,
    cron: schedule.cron,
    createdAt: schedule.createdAt,
    destination: schedule.destination,
    method: schedule.method,
    header: redactHeader(schedule.header, schedule.redact),
    // As QStash: no `body` at all for a schedule created without one.
    ...(schedule.body === "" ? {} : { body: redactBody(schedule.body, schedule.redact).toString("utf8") }),
    retries: schedule.retries,
    delay: schedule.delaySeconds,
    callback: schedule.callback,
    failureCallback: schedule.failureCallback,
    callerIp: schedule.callerIp,
    isPaused: schedule.isPaused,
    queueName: schedule.queueName,
    flowControlKey: schedule.flowControlKey,
    parallelism: schedule.parallelism,
    rate: schedule.rate,
    period: schedule.periodSeconds,
    ...labelFields(schedule.label),
    retryDelayExpression: schedule.retryDelay,
    lastScheduleTime: schedule.lastScheduleTime,
    nextScheduleTime: ctx.cron.nextRun(schedule),
  };
}
