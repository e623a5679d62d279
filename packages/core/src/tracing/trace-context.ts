import type { Context, TextMapGetter } from "@opentelemetry/api";
import { HEADERS } from "@switchboard/wire";
import type { RouteRequest } from "../route/route-request";
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

/** A delivery's headers as the route reads them: one by name, or all (built only when asked for). */
export type DeliveryHeaders = Pick<RouteRequest, "header" | "headers">;

/** The propagator reads the delivery's headers one by name; the whole set only if it asks for keys. */
const DELIVERY_GETTER: TextMapGetter<DeliveryHeaders> = {
  get: (carrier, key) => carrier.header(key) ?? undefined,
  keys: (carrier) => [...carrier.headers.keys()],
};

/**
 * The sender's context from a delivery's headers, on top of `base`: through the app's propagator,
 * or by reading `traceparent` when that finds none. `undefined` when the headers carry no valid
 * trace context (the message was sent without tracing, or the header is forged junk). Headers are
 * read one by one, so a delivery on Node builds no web `Headers` for this.
 */
export function contextFromHeaders(
  otel: OpenTelemetryApi,
  headers: DeliveryHeaders,
  base: Context,
): Context | undefined {
  const extracted = otel.propagation.extract(base, headers, DELIVERY_GETTER);
  const found = otel.trace.getSpanContext(extracted);
  if (found && otel.trace.isSpanContextValid(found) && found !== otel.trace.getSpanContext(base)) {
    return extracted;
  }
  const match = TRACEPARENT.exec(headers.header(HEADERS.traceparent)?.trim().toLowerCase() ?? "");
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
