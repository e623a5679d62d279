import type { DevContext } from "../dev-context";
import { DevServerError } from "../dev-server-error";
import { parseDuration } from "../wire/duration";
import type { ApiAnswer, ApiRequest } from "./api-request";

/**
 * Flow control as `@upstash/qstash`'s `client.flowControl` calls it: `GET /v2/flowControl[/{key}]`,
 * `POST /v2/flowControl/{key}/pause|resume|resetRate`, `/pin?parallelism&rate&period` and
 * `/unpin?parallelism=true&rate=true`; and `GET /v2/globalParallelism`.
 *
 * @example
 * ```ts
 * const answer = flowControlApi(ctx, request, "smtp", "pause");
 * ```
 */
export function flowControlApi(
  ctx: DevContext,
  { method, query }: ApiRequest,
  key: string | undefined,
  action: string | undefined,
): ApiAnswer {
  const flow = ctx.engine.flowControl;
  if (method === "GET" && !key) return { status: 200, body: flow.list() };
  if (method === "GET" && key && !action) return { status: 200, body: flow.info(key) };
  if (method === "POST" && key) {
    switch (action) {
      case "pause":
      case "resume":
        flow.setPaused(key, action === "pause");
        return { status: 200 };
      case "resetRate":
        flow.resetRate(key);
        return { status: 200 };
      case "pin":
        flow.pin(key, {
          parallelism: positive(query.get("parallelism"), "parallelism"),
          rate: positive(query.get("rate"), "rate"),
          periodSeconds: period(query.get("period")),
        });
        return { status: 200 };
      case "unpin":
        flow.unpin(key, {
          parallelism: query.get("parallelism") === "true",
          rate: query.get("rate") === "true",
        });
        return { status: 200 };
    }
  }
  throw new DevServerError(
    404,
    `flowControl: ${method} /v2/flowControl/${key ?? ""}${action ? `/${action}` : ""} is not a flow-control route.`,
  );
}

function positive(value: string | null, name: string): number | undefined {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new DevServerError(400, `flowControl pin: ${name} must be a whole number >= 1, got "${value}".`);
  return n;
}

function period(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  return parseDuration(value, "flowControl pin: period");
}
