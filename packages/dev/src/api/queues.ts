import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import type { StoredQueue } from "../store/model";
import { type ApiAnswer, type ApiRequest, parseJsonBody } from "./api-request";

/**
 * Queues: `POST /v2/queues` `{ queueName, parallelism?, paused? }` (upsert), `GET /v2/queues[/{name}]`,
 * `DELETE /v2/queues/{name}`, `POST /v2/queues/{name}/pause` and `/resume`. Settings apply to
 * waiting messages at once.
 *
 * @example
 * ```ts
 * const answer = queuesApi(ctx, request, "emails", "pause");
 * ```
 */
export function queuesApi(
  ctx: DevContext,
  request: ApiRequest,
  name: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const { method, body } = request;
  if (method === "POST" && !name) {
    const input = parseJsonBody(body) as { queueName?: unknown; parallelism?: unknown; paused?: unknown };
    if (typeof input.queueName !== "string" || !input.queueName)
      throw new DevServerError(400, 'queues: "queueName" is required, e.g. { "queueName": "emails" }.');
    const parallelism = input.parallelism === undefined ? 1 : Number(input.parallelism);
    if (!Number.isInteger(parallelism) || parallelism < 1)
      throw new DevServerError(
        400,
        `queues: parallelism must be a whole number >= 1, got ${input.parallelism}.`,
      );
    const existing = ctx.store.state.queues.get(input.queueName);
    const now = Date.now();
    save(ctx, {
      name: input.queueName,
      parallelism,
      paused: input.paused === true,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return { status: 200 };
  }
  if (method === "GET" && !name)
    return { status: 200, body: [...ctx.store.state.queues.values()].map((q) => toApiQueue(ctx, q)) };
  const queue = name ? ctx.store.state.queues.get(name) : undefined;
  if (!queue)
    throw new DevServerError(
      404,
      `queue "${name}" not found: create it with POST /v2/queues or enqueue to it.`,
    );
  if (method === "GET" && !action) return { status: 200, body: toApiQueue(ctx, queue) };
  if (method === "DELETE" && !action) {
    ctx.store.delete("queues", queue.name);
    return { status: 200 };
  }
  if (method === "POST" && (action === "pause" || action === "resume")) {
    save(ctx, { ...queue, paused: action === "pause", updatedAt: Date.now() });
    return { status: 200 };
  }
  throw new DevServerError(
    405,
    `queues: ${method} /v2/queues/${name}${action ? `/${action}` : ""} is not supported.`,
  );
}

function save(ctx: DevContext, queue: StoredQueue): void {
  ctx.store.put("queues", queue.name, queue);
  const gate = ctx.engine.queueGate(queue.name);
  gate.limits = { parallelism: queue.parallelism, paused: queue.paused };
  gate.pump();
}

function toApiQueue(ctx: DevContext, queue: StoredQueue) {
  let lag = 0;
  for (const message of ctx.store.state.messages.values()) if (message.queueName === queue.name) lag++;
  return {
    name: queue.name,
    parallelism: queue.parallelism,
    paused: queue.paused,
    lag,
    createdAt: queue.createdAt,
    updatedAt: queue.updatedAt ?? queue.createdAt,
  };
}
