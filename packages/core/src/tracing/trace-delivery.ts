import { HEADERS, type RouteTarget, readCount } from "@switchboard/wire";
import { SwitchboardError } from "../errors/switchboard-error";
import type { RouteRequest } from "../route/route-request";
import { loadOpenTelemetry } from "./load-open-telemetry";
import { contextFromHeaders } from "./trace-context";
import { recordError } from "./trace-send";

/**
 * Runs a delivery's handler inside a CONSUMER span when the app has `@opentelemetry/api`: a child
 * of the span that sent the message (from the forwarded `traceparent`), or of the active context
 * (e.g. an HTTP server span) when the message carries none. The handler's own spans, and any
 * dispatch it makes, nest under it. Without OpenTelemetry this is `run()`.
 */
export async function traceDelivery<T>(
  request: Pick<RouteRequest, "header" | "headers">,
  target: RouteTarget,
  run: () => Promise<T>,
): Promise<T> {
  // A workflow's deliveries are the workflow SDK's protocol: not traced as messages (yet).
  if (target.kind === "workflow") return run();
  const otel = await loadOpenTelemetry();
  if (!otel) return run();
  const active = otel.context.active();
  const parent = contextFromHeaders(otel, request, active) ?? active;
  const retried = readCount(request.header(HEADERS.retried)) ?? 0;
  const destination = target.kind === "job" ? target.job : `${target.channel}/${target.subscriber}`;
  const messageId = request.header(HEADERS.messageId);
  const tracer = otel.trace.getTracer("@switchboard/core");
  return tracer.startActiveSpan(
    `process ${destination}`,
    {
      kind: otel.SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "qstash",
        "messaging.operation.type": "process",
        "messaging.destination.name": target.kind === "job" ? target.job : target.channel,
        ...(target.kind === "job"
          ? { "switchboard.job": target.job }
          : { "switchboard.channel": target.channel, "switchboard.subscriber": target.subscriber }),
        ...(messageId ? { "messaging.message.id": messageId } : {}),
        "switchboard.attempt": retried + 1,
        "switchboard.retried": retried,
      },
    },
    parent,
    async (span) => {
      try {
        const result = await run();
        span.setAttributes({ "switchboard.outcome": "success", "http.response.status_code": 200 });
        return result;
      } catch (error) {
        const failure = SwitchboardError.from(error);
        span.setAttributes({
          "switchboard.outcome": failure.code,
          "http.response.status_code": failure.status,
        });
        recordError(otel, span, failure.cause instanceof Error ? failure.cause : error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
