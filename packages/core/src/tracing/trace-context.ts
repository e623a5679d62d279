import type { Context } from "@opentelemetry/api";
import { HEADERS } from "@switchboard/wire";
import type { OpenTelemetryApi } from "./load-open-telemetry";

/**
 * The trace context of `ctx` as message headers: whatever the app's propagator writes, and at
 * least a W3C `traceparent` (an app that set up a tracer but no propagator still gets one trace).
 * `undefined` when `ctx` has no valid span (no tracer set up: nothing to join).
 */
export function traceHeaders(otel: OpenTelemetryApi, ctx: Context): Record<string, string> | undefined {
  const spanContext = otel.trace.getSpanContext(ctx);
  if (!spanContext || !otel.trace.isSpanContextValid(spanContext)) return undefined;
  const carrier: Record<string, string> = {};
  otel.propagation.inject(ctx, carrier);
  if (!carrier[HEADERS.traceparent]) {
    const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
    carrier[HEADERS.traceparent] = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  }
  return carrier;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The sender's context from a delivery's headers, on top of `base`: through the app's propagator,
 * or by reading `traceparent` when that finds none. `undefined` when the headers carry no valid
 * trace context (the message was sent without tracing, or the header is forged junk).
 */
export function contextFromHeaders(
  otel: OpenTelemetryApi,
  headers: Headers,
  base: Context,
): Context | undefined {
  const extracted = otel.propagation.extract(base, headers, {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: (carrier) => [...carrier.keys()],
  });
  const found = otel.trace.getSpanContext(extracted);
  if (found && otel.trace.isSpanContextValid(found) && found !== otel.trace.getSpanContext(base)) {
    return extracted;
  }
  const match = TRACEPARENT.exec(headers.get(HEADERS.traceparent)?.trim().toLowerCase() ?? "");
  if (!match) return undefined;
  const spanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & 0x01,
    isRemote: true,
  };
  return otel.trace.isSpanContextValid(spanContext)
    ? otel.trace.setSpanContext(base, spanContext)
    : undefined;
}
