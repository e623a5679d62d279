import { parseCron } from "./cron-runner";
import { DEFAULT_RETRIES } from "./defaults";
import { newId } from "./delivery-engine";
import type { DevContext } from "./dev-context";
import { DevServerError } from "./dev-server-error";
import { checkDestination, parseMessageOptions } from "./message-options";
import type { DlqEntry, StoredMessage, StoredSchedule } from "./model";

/** A JSON answer: status and body (`undefined` → empty body). */
export interface ApiAnswer {
  status: number;
  body?: unknown;
}

/** An API request after routing has read it. */
export interface ApiRequest {
  method: string;
  /** Path segments after `/v2/`, decoded. */
  segments: string[];
  /** The raw path after `/v2/schedules/`, for a schedule's destination (kept exactly). */
  rawRest: string;
  query: URLSearchParams;
  headers: Headers;
  body: Buffer;
  callerIp: string;
}

/**
 * Everything besides publishing: messages, DLQ, queues, URL groups, schedules, events/logs,
 * flow control and keys, in QStash's shapes. Unknown routes answer 404 with a hint.
 */
export function handleManagement(ctx: DevContext, request: ApiRequest): ApiAnswer {
  const { method, segments } = request;
  const [resource, id, action] = segments;
  switch (resource) {
    case "keys":
      return { status: 200, body: ctx.signingKeys };
    case "messages":
      return messages(ctx, request, id);
    case "dlq":
      return dlq(ctx, request, id, action);
    case "queues":
      return queues(ctx, request, id, action);
    case "topics":
      return topics(ctx, request, id, action);
    case "schedules":
      return schedules(ctx, request, id, action);
    case "events":
    case "logs":
      return events(ctx, request, resource);
    case "flowControl":
      if (method !== "GET") break;
      return id
        ? {
            status: 200,
            body: ctx.engine.flowControlInfo().find((f) => f.flowControlKey === id) ?? {
              flowControlKey: id,
              waitListSize: 0,
            },
          }
        : { status: 200, body: ctx.engine.flowControlInfo() };
    case "globalParallelism":
      return { status: 200, body: { parallelismMax: 0, parallelismCount: ctx.engine.activeCount } };
  }
  throw new DevServerError(
    404,
    `${method} /v2/${segments.join("/")} is not a QStash API route this server knows.`,
  );
}

function messages(ctx: DevContext, { method, query, body }: ApiRequest, id: string | undefined): ApiAnswer {
  if (id && method === "GET") {
    const message = ctx.store.state.messages.get(id);
    if (!message)
      throw new DevServerError(404, `message ${id} not found (delivered, cancelled or never published).`);
    return { status: 200, body: toApiMessage(message) };
  }
  if (method !== "DELETE") throw new DevServerError(405, "messages: use GET /v2/messages/{id} or DELETE.");
  if (id) {
    if (!ctx.engine.cancel(id))
      throw new DevServerError(404, `message ${id} not found (already delivered or cancelled).`);
    ctx.store.flush();
    return { status: 200, body: { cancelled: 1 } };
  }
  const ids = idsFrom(query, body, "messageIds");
  const targets =
    ids ??
    page(filterMessages([...ctx.store.state.messages.values()], query), query).items.map((m) => m.messageId);
  const cancelled = targets.filter((messageId) => ctx.engine.cancel(messageId)).length;
  ctx.store.flush();
  return { status: 200, body: { cancelled } };
}

function dlq(
  ctx: DevContext,
  request: ApiRequest,
  id: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const { method, query, body } = request;
  const entries = () => [...ctx.store.state.dlq.values()].sort((a, b) => b.failedAt - a.failedAt);
  if (method === "GET" && !id) {
    const { items, cursor } = page(filterMessages(entries(), query), query);
    return { status: 200, body: { messages: items.map(toApiDlq), ...(cursor ? { cursor } : {}) } };
  }
  if (method === "GET" && id) {
    const entry = ctx.store.state.dlq.get(id);
    if (!entry) throw new DevServerError(404, `DLQ entry ${id} not found.`);
    return { status: 200, body: toApiDlq(entry) };
  }
  if (method === "DELETE" && id) {
    if (!ctx.store.delete("dlq", id)) throw new DevServerError(404, `DLQ entry ${id} not found.`);
    ctx.store.flush();
    return { status: 200 };
  }
  const select = (): { targets: DlqEntry[]; cursor?: string } => {
    const ids = idsFrom(query, body, "dlqIds") ?? (action && action !== "retry" ? [action] : undefined);
    if (ids)
      return {
        targets: ids.map((dlqId) => ctx.store.state.dlq.get(dlqId)).filter((e): e is DlqEntry => !!e),
      };
    const { items, cursor } = page(filterMessages(entries(), query), query);
    return cursor ? { targets: items, cursor } : { targets: items };
  };
  if (method === "DELETE") {
    const { targets, cursor } = select();
    for (const entry of targets) ctx.store.delete("dlq", entry.dlqId);
    ctx.store.flush();
    return { status: 200, body: { deleted: targets.length, ...(cursor ? { cursor } : {}) } };
  }
  if (method === "POST" && (id === "retry" || action === "retry")) {
    const { targets, cursor } =
      id === "retry"
        ? select()
        : { targets: [ctx.store.state.dlq.get(id!)].filter((e): e is DlqEntry => !!e) };
    const responses = targets.map((entry) => {
      const { dlqId, responseStatus, responseHeader, responseBody, failedAt, ...message } = entry;
      const retry: StoredMessage = {
        ...message,
        messageId: newId("msg"),
        retried: 0,
        notBefore: Date.now(),
        createdAt: Date.now(),
      };
      ctx.store.delete("dlq", dlqId);
      ctx.engine.accept(retry);
      return { messageId: retry.messageId };
    });
    ctx.store.flush();
    return { status: 200, body: { responses, ...(cursor ? { cursor } : {}) } };
  }
  throw new DevServerError(405, "dlq: use GET /v2/dlq, DELETE /v2/dlq[/{dlqId}] or POST /v2/dlq/retry.");
}

function queues(
  ctx: DevContext,
  { method, body }: ApiRequest,
  name: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const toApi = (q: { name: string; parallelism: number; paused: boolean; createdAt: number }) => ({
    name: q.name,
    parallelism: q.parallelism,
    paused: q.paused,
    lag: [...ctx.store.state.messages.values()].filter((m) => m.queueName === q.name).length,
    createdAt: q.createdAt,
    updatedAt: q.createdAt,
  });
  if (method === "POST" && !name) {
    const input = json(body) as { queueName?: unknown; parallelism?: unknown; paused?: unknown };
    if (typeof input.queueName !== "string" || !input.queueName)
      throw new DevServerError(400, "queues: queueName is required.");
    const parallelism = input.parallelism === undefined ? 1 : Number(input.parallelism);
    if (!Number.isInteger(parallelism) || parallelism < 1)
      throw new DevServerError(400, "queues: parallelism must be a whole number >= 1.");
    const existing = ctx.store.state.queues.get(input.queueName);
    const queue = {
      name: input.queueName,
      parallelism,
      paused: input.paused === true,
      createdAt: existing?.createdAt ?? Date.now(),
    };
    ctx.store.put("queues", queue.name, queue);
    ctx.store.flush();
    const gate = ctx.engine.queueGate(queue.name);
    gate.limits = { parallelism: queue.parallelism, paused: queue.paused };
    gate.pump();
    return { status: 200 };
  }
  if (method === "GET" && !name)
    return { status: 200, body: [...ctx.store.state.queues.values()].map(toApi) };
  const queue = name ? ctx.store.state.queues.get(name) : undefined;
  if (!queue) throw new DevServerError(404, `queue "${name}" not found.`);
  if (method === "GET") return { status: 200, body: toApi(queue) };
  if (method === "DELETE") {
    ctx.store.delete("queues", queue.name);
    ctx.store.flush();
    return { status: 200 };
  }
  if (method === "POST" && (action === "pause" || action === "resume")) {
    ctx.store.put("queues", queue.name, { ...queue, paused: action === "pause" });
    ctx.store.flush();
    const gate = ctx.engine.queueGate(queue.name);
    gate.limits = { ...gate.limits, paused: action === "pause" };
    gate.pump();
    return { status: 200 };
  }
  throw new DevServerError(405, `queues: ${method} is not supported here.`);
}

function topics(
  ctx: DevContext,
  { method, body }: ApiRequest,
  name: string | undefined,
  action: string | undefined,
): ApiAnswer {
  if (method === "GET" && !name)
    return { status: 200, body: [...ctx.store.state.topics.values()].map(toApiTopic) };
  if (!name) throw new DevServerError(404, "topics: name the URL group, /v2/topics/{name}.");
  const topic = ctx.store.state.topics.get(name);
  if (action === "endpoints" && (method === "POST" || method === "DELETE")) {
    const input = json(body) as { endpoints?: { name?: string; url?: string }[] };
    if (!Array.isArray(input.endpoints) || input.endpoints.length === 0) {
      throw new DevServerError(
        400,
        "topics: body must be { endpoints: [{ name?, url }] } with at least one endpoint.",
      );
    }
    const current = topic?.endpoints ?? [];
    let endpoints: { name?: string | undefined; url: string }[];
    if (method === "POST") {
      const added = input.endpoints.map((e) => ({ name: e.name, url: checkDestination(String(e.url)) }));
      endpoints = [...current.filter((c) => !added.some((a) => a.url === c.url)), ...added];
    } else {
      endpoints = current.filter(
        (c) => !input.endpoints!.some((e) => (e.url && e.url === c.url) || (e.name && e.name === c.name)),
      );
    }
    ctx.store.put("topics", name, { name, endpoints, createdAt: topic?.createdAt ?? Date.now() });
    ctx.store.flush();
    return { status: 200 };
  }
  if (!topic) throw new DevServerError(404, `URL group "${name}" not found.`);
  if (method === "GET") return { status: 200, body: toApiTopic(topic) };
  if (method === "DELETE") {
    ctx.store.delete("topics", name);
    ctx.store.flush();
    return { status: 200 };
  }
  throw new DevServerError(405, `topics: ${method} is not supported here.`);
}

function schedules(
  ctx: DevContext,
  request: ApiRequest,
  id: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const { method } = request;
  if (method === "POST" && id && /^https?:/i.test(id)) return createSchedule(ctx, request);
  if (method === "GET" && !id) {
    return { status: 200, body: [...ctx.store.state.schedules.values()].map((s) => toApiSchedule(ctx, s)) };
  }
  const schedule = id ? ctx.store.state.schedules.get(id) : undefined;
  if (!schedule) throw new DevServerError(404, `schedule "${id}" not found.`);
  if (method === "GET") return { status: 200, body: toApiSchedule(ctx, schedule) };
  if (method === "DELETE") {
    ctx.cron.stop(schedule.scheduleId);
    ctx.store.delete("schedules", schedule.scheduleId);
    ctx.store.flush();
    return { status: 200 };
  }
  if ((method === "PATCH" || method === "POST") && (action === "pause" || action === "resume")) {
    const updated = { ...schedule, isPaused: action === "pause" };
    ctx.store.put("schedules", schedule.scheduleId, updated);
    ctx.store.flush();
    ctx.cron.start(updated);
    return { status: 200 };
  }
  throw new DevServerError(405, `schedules: ${method} is not supported here.`);
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
    method: options.method,
    header: options.header,
    body: body.toString("base64"),
    retries: options.retries ?? DEFAULT_RETRIES,
    delaySeconds: options.delaySeconds || undefined,
    retryDelay: options.retryDelay,
    timeoutSeconds: options.timeoutSeconds,
    callback: options.callback,
    failureCallback: options.failureCallback,
    queueName: options.queueName,
    label: options.label,
    flowControlKey: options.flowControlKey,
    parallelism: options.parallelism,
    rate: options.rate,
    periodSeconds: options.periodSeconds,
    isPaused: existing?.isPaused ?? false,
    createdAt: existing?.createdAt ?? Date.now(),
    callerIp,
  };
  ctx.store.put("schedules", scheduleId, schedule);
  ctx.store.flush();
  ctx.cron.start(schedule);
  return { status: 201, body: { scheduleId } };
}

function events(ctx: DevContext, { query }: ApiRequest, resource: "events" | "logs"): ApiAnswer {
  const filters: [string, (e: (typeof ctx.engine.events)[number]) => unknown][] = [
    ["messageId", (e) => e.messageId],
    ["state", (e) => e.state],
    ["url", (e) => e.url],
    ["topicName", (e) => e.topicName],
    ["queueName", (e) => e.queueName],
    ["scheduleId", (e) => e.scheduleId],
    ["label", (e) => e.label],
  ];
  let list = [...ctx.engine.events].reverse();
  for (const [name, get] of filters) {
    const value = query.get(name);
    if (value !== null) list = list.filter((e) => String(get(e)) === value);
  }
  const { items, cursor } = page(list, query);
  return { status: 200, body: { [resource]: items, ...(cursor ? { cursor } : {}) } };
}

function filterMessages<T extends StoredMessage & Partial<DlqEntry>>(list: T[], query: URLSearchParams): T[] {
  const checks: [string, (m: T) => unknown][] = [
    ["messageId", (m) => m.messageId],
    ["url", (m) => m.url],
    ["topicName", (m) => m.topicName],
    ["urlGroup", (m) => m.topicName],
    ["scheduleId", (m) => m.scheduleId],
    ["queueName", (m) => m.queueName],
    ["label", (m) => m.label],
    ["responseStatus", (m) => m.responseStatus],
    ["callerIp", (m) => m.callerIp],
  ];
  let out = list;
  for (const [name, get] of checks) {
    const value = query.get(name);
    if (value !== null) out = out.filter((m) => String(get(m)) === value);
  }
  const from = Number(query.get("fromDate") ?? 0);
  const to = Number(query.get("toDate") ?? Number.POSITIVE_INFINITY);
  return out.filter((m) => {
    const time = m.failedAt ?? m.createdAt;
    return time >= from && time <= to;
  });
}

function page<T>(list: T[], query: URLSearchParams): { items: T[]; cursor?: string } {
  const start = Number(query.get("cursor") ?? 0) || 0;
  const count = Math.min(Math.max(Number(query.get("count") ?? 100) || 100, 1), 1000);
  const items = list.slice(start, start + count);
  return start + count < list.length ? { items, cursor: String(start + count) } : { items };
}

function idsFrom(query: URLSearchParams, body: Buffer, name: string): string[] | undefined {
  const fromQuery = query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .filter(Boolean);
  if (fromQuery.length > 0) return fromQuery;
  if (body.length === 0) return undefined;
  const parsed = json(body) as Record<string, unknown>;
  const ids = parsed[name];
  return Array.isArray(ids) ? ids.map(String) : undefined;
}

function json(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new DevServerError(400, "the request body is not valid JSON.");
  }
}

function toApiMessage(message: StoredMessage) {
  return {
    messageId: message.messageId,
    url: message.url,
    topicName: message.topicName,
    endpointName: message.endpointName,
    method: message.method,
    header: message.header,
    body: Buffer.from(message.body, "base64").toString("utf8"),
    bodyBase64: message.body,
    maxRetries: message.retries,
    retried: message.retried,
    notBefore: message.notBefore,
    createdAt: message.createdAt,
    callback: message.callback,
    failureCallback: message.failureCallback,
    scheduleId: message.scheduleId,
    queueName: message.queueName,
    label: message.label,
    callerIP: message.callerIp,
    flowControlKey: message.flowControlKey,
  };
}

function toApiDlq(entry: DlqEntry) {
  return {
    ...toApiMessage(entry),
    dlqId: entry.dlqId,
    responseStatus: entry.responseStatus,
    responseHeader: entry.responseHeader,
    responseBody: entry.responseBody,
  };
}

function toApiTopic(topic: {
  name: string;
  endpoints: { name?: string | undefined; url: string }[];
  createdAt: number;
}) {
  return {
    name: topic.name,
    endpoints: topic.endpoints,
    createdAt: topic.createdAt,
    updatedAt: topic.createdAt,
  };
}

function toApiSchedule(ctx: DevContext, schedule: StoredSchedule) {
  return {
    scheduleId: schedule.scheduleId,
    cron: schedule.cron,
    createdAt: schedule.createdAt,
    destination: schedule.destination,
    method: schedule.method,
    header: schedule.header,
    body: Buffer.from(schedule.body, "base64").toString("utf8"),
    retries: schedule.retries,
    delay: schedule.delaySeconds,
    callback: schedule.callback,
    failureCallback: schedule.failureCallback,
    callerIp: schedule.callerIp,
    isPaused: schedule.isPaused,
    queueName: schedule.queueName,
    label: schedule.label,
    retryDelayExpression: schedule.retryDelay,
    lastScheduleTime: schedule.lastScheduleTime,
    nextScheduleTime: ctx.cron.nextRun(schedule),
  };
}
