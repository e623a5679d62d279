import { describeThrown } from "../errors/describe-thrown";
import type { QStashPublishFields } from "../sending/dispatch-options";
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
        const traced = new Map<QStashPublishFields, QStashPublishFields>();
        const result = await send(
          headers ? messages.map((m) => withTraceHeaders(m, headers, traced)) : messages,
        );
        const id = singleMessageId(result);
        if (id !== undefined) span.setAttribute("messaging.message.id", id);
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

/**
 * `message` with the trace headers added. Messages that shared their fields (every message of a
 * `dispatchMany`) share the traced fields too, made once in `traced`: the batch encoder then
 * builds their QStash headers once, not once per message.
 */
function withTraceHeaders(
  message: OutgoingMessage,
  trace: Record<string, string>,
  traced: Map<QStashPublishFields, QStashPublishFields>,
): OutgoingMessage {
  const { fields } = message;
  if (fields.contentBasedDeduplication) return message;
  let tracedFields = traced.get(fields);
  if (!tracedFields) {
    // Headers the caller set explicitly win: they chose the context this message belongs to.
    tracedFields = { ...fields, headers: { ...trace, ...fields.headers } };
    traced.set(fields, tracedFields);
  }
  return { ...message, fields: tracedFields };
}

/**
 * The message id of a send that published exactly one message, else `undefined`. It stops at the
 * second id it finds: a `dispatchMany` of thousands costs two steps, not a list of every id.
 */
function singleMessageId(result: unknown): string | undefined {
  if (Array.isArray(result)) return single(result);
  if (!result || typeof result !== "object") return undefined;
  if (typeof (result as { messageId?: unknown }).messageId === "string") {
    return (result as { messageId: string }).messageId;
  }
  // A channel's publish answers { subscriber: { messageId } }.
  return single(Object.values(result));
}

function single(list: readonly unknown[]): string | undefined {
  let id: string | undefined;
  for (const entry of list) {
    const messageId = (entry as { messageId?: unknown } | null | undefined)?.messageId;
    if (typeof messageId !== "string") continue;
    if (id !== undefined) return undefined;
    id = messageId;
  }
  return id;
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
