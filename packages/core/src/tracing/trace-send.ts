import { describeThrown } from "../errors/describe-thrown";
import type { OutgoingMessage } from "../sending/publish";
import { loadOpenTelemetry, type OpenTelemetryApi } from "./load-open-telemetry";
import { traceHeaders } from "./trace-context";

/** What is being sent, for the span's name and attributes. */
export interface SendTarget {
  operation: "dispatch" | "dispatchMany" | "publish";
  job?: string;
  channel?: string;
}

/**
 * Runs `send` inside a PRODUCER span when the app has `@opentelemetry/api`, handing it the
 * messages with the span's trace context added as forwarded headers, so each delivery's CONSUMER
 * span is its child. Without OpenTelemetry, `send` gets the messages unchanged.
 *
 * A message with `contentBasedDeduplication` is sent without the header: QStash hashes forwarded
 * headers, and a trace id unique per call would defeat the deduplication.
 */
export async function traceSend<T>(
  target: SendTarget,
  messages: OutgoingMessage[],
  send: (messages: OutgoingMessage[]) => Promise<T>,
): Promise<T> {
  const otel = await loadOpenTelemetry();
  if (!otel) return send(messages);
  const destination = target.job ?? target.channel ?? "";
  const tracer = otel.trace.getTracer("@switchboard/core");
  return tracer.startActiveSpan(
    `${target.operation} ${destination}`,
    {
      kind: otel.SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "qstash",
        "messaging.operation.type": "send",
        "messaging.operation.name": target.operation,
        "messaging.destination.name": destination,
        ...(target.job ? { "switchboard.job": target.job } : {}),
        ...(target.channel ? { "switchboard.channel": target.channel } : {}),
        ...(messages.length === 1 ? {} : { "messaging.batch.message_count": messages.length }),
      },
    },
    async (span) => {
      try {
        const headers = traceHeaders(otel, otel.context.active());
        const result = await send(headers ? messages.map((m) => withTraceHeaders(m, headers)) : messages);
        const ids = messageIdsOf(result);
        if (ids.length === 1) span.setAttribute("messaging.message.id", ids[0]!);
        return result;
      } catch (error) {
        recordError(otel, span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

function withTraceHeaders(message: OutgoingMessage, trace: Record<string, string>): OutgoingMessage {
  const { fields } = message;
  if (fields.contentBasedDeduplication) return message;
  // Headers the caller set explicitly win: they chose the context this message belongs to.
  return { ...message, fields: { ...fields, headers: { ...trace, ...fields.headers } } };
}

function messageIdsOf(result: unknown): string[] {
  const list = Array.isArray(result) ? result : result && typeof result === "object" ? [result] : [];
  const direct = list.flatMap((r) => (typeof r?.messageId === "string" ? [r.messageId as string] : []));
  if (direct.length > 0 || Array.isArray(result)) return direct;
  // A channel's publish answers { subscriber: { messageId } }.
  return Object.values(result as object).flatMap((r) =>
    typeof r?.messageId === "string" ? [r.messageId as string] : [],
  );
}

/** Marks a span failed: the exception recorded, status ERROR. Never throws, whatever was thrown. */
export function recordError(
  otel: OpenTelemetryApi,
  span: ReturnType<ReturnType<OpenTelemetryApi["trace"]["getTracer"]>["startSpan"]>,
  error: unknown,
): void {
  try {
    const message = describeThrown(error);
    span.recordException(error instanceof Error ? error : message);
    span.setStatus({ code: otel.SpanStatusCode.ERROR, message });
  } catch {
    // Tracing never changes what the caller sees.
  }
}
