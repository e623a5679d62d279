import * as otel from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import { mockQStash } from "../testing/mock-qstash";
import { importOpenTelemetry } from "./load-open-telemetry";
import { contextFromHeaders, traceHeaders } from "./trace-context";

const VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("importOpenTelemetry", () => {
  it("is undefined, never a throw, when the API is missing or is not the API", async () => {
    const missing = Object.assign(new Error("Cannot find package '@opentelemetry/api'"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    await expect(importOpenTelemetry(() => Promise.reject(missing))).resolves.toBeUndefined();
    await expect(importOpenTelemetry(() => Promise.resolve({ trace: {} }))).resolves.toBeUndefined();
    await expect(importOpenTelemetry(() => Promise.resolve(null))).resolves.toBeUndefined();
  });

  it("finds the API directly or under `default` (CommonJS interop)", async () => {
    await expect(importOpenTelemetry(() => Promise.resolve(otel))).resolves.toBe(otel);
    await expect(importOpenTelemetry(() => Promise.resolve({ default: otel }))).resolves.toBe(otel);
  });
});

describe("contextFromHeaders", () => {
  const base = otel.ROOT_CONTEXT;
  const delivery = (headers: Headers) => ({ header: (name: string) => headers.get(name), headers });
  const read = (value: string) => {
    const ctx = contextFromHeaders(otel, delivery(new Headers({ traceparent: value })), base);
    return ctx && otel.trace.getSpanContext(ctx);
  };

  it("reads a W3C traceparent as the remote parent", () => {
    expect(read(VALID)).toEqual({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
    });
  });

  it("ignores forged or malformed trace context instead of failing the delivery", () => {
    for (const junk of [
      "",
      "garbage",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      `${VALID}-extra`,
      "x".repeat(100_000),
    ]) {
      expect(read(junk)).toBeUndefined();
    }
    expect(contextFromHeaders(otel, delivery(new Headers()), base)).toBeUndefined();
  });

  it("lets the app's propagator read the delivery's headers by name, and list them when it asks", () => {
    // A propagator with its own header (as B3 or Jaeger have), registered for this test only.
    const seen: { keys: string[] } = { keys: [] };
    const propagator: otel.TextMapPropagator = {
      inject: () => {},
      extract(ctx, carrier, getter) {
        seen.keys = getter.keys(carrier);
        const [traceId, spanId] = String(getter.get(carrier, "X-Own-Trace") ?? "").split(":");
        if (!traceId || !spanId) return ctx;
        return otel.trace.setSpanContext(ctx, { traceId, spanId, traceFlags: 1, isRemote: true });
      },
      fields: () => ["x-own-trace"],
    };
    otel.propagation.setGlobalPropagator(propagator);
    try {
      const headers = new Headers({ "x-own-trace": "0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331" });
      const ctx = contextFromHeaders(otel, delivery(headers), base);
      expect(ctx && otel.trace.getSpanContext(ctx)).toMatchObject({
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
      });
      expect(seen.keys).toEqual(["x-own-trace"]);
    } finally {
      otel.propagation.disable();
    }
  });
});

describe("traceHeaders", () => {
  it("writes nothing without a valid span, and a traceparent for one", () => {
    expect(traceHeaders(otel, otel.ROOT_CONTEXT)).toBeUndefined();
    const spanContext = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    };
    expect(traceHeaders(otel, otel.trace.setSpanContext(otel.ROOT_CONTEXT, spanContext))).toEqual({
      traceparent: VALID,
    });
  });
});

describe("dispatch with OpenTelemetry set up", () => {
  const qstash = mockQStash({ baseUrl: "https://qstash.test" });
  const server = setupServer(...qstash.handlers);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    server.listen({ onUnhandledRequest: "error" });
    otel.trace.setGlobalTracerProvider(provider);
    otel.context.setGlobalContextManager(contextManager.enable());
  });
  afterEach(() => {
    qstash.reset();
    exporter.reset();
  });
  afterAll(async () => {
    server.close();
    await provider.shutdown();
    otel.trace.disable();
    otel.context.disable();
  });
  const sb = createSwitchboard({
    url: "https://app.example.com/api/switchboard",
    qstash: { token: "t", baseUrl: "https://qstash.test" },
    signingKeys: { current: "sig_current", next: "sig_next" },
  });
  const job = sb.createJob({ name: "send-email", schema: z.object({ to: z.string() }), handler: () => {} });

  it("forwards the producer span's context with every message of a batch", async () => {
    await job.dispatchMany([{ to: "a" }, { to: "b" }]);
    const [producer] = exporter.getFinishedSpans();
    expect(producer?.name).toBe("dispatchMany send-email");
    const expected = `00-${producer?.spanContext().traceId}-${producer?.spanContext().spanId}-01`;
    expect(qstash.messages.map((m) => m.headers["upstash-forward-traceparent"])).toEqual([
      expected,
      expected,
    ]);
  });

  it("names the message id on the span only when one message was sent", async () => {
    await job.dispatch({ to: "a" });
    await job.dispatchMany([{ to: "b" }]);
    await job.dispatchMany([{ to: "c" }, { to: "d" }]);
    const [one, many1, many2] = exporter.getFinishedSpans();
    const ids = qstash.messages.map((m) => m.messageId);
    expect(one?.attributes["messaging.message.id"]).toBe(ids[0]);
    expect(many1?.attributes["messaging.message.id"]).toBe(ids[1]);
    expect(many2?.attributes["messaging.message.id"]).toBeUndefined();
    expect(many2?.attributes["messaging.batch.message_count"]).toBe(2);
  });

  it("keeps a traceparent the caller set explicitly", async () => {
    await job.dispatch({ to: "a" }, { headers: { traceparent: VALID } });
    expect(qstash.messages[0]?.headers["upstash-forward-traceparent"]).toBe(VALID);
  });

  it("records a failed publish on the producer span and still throws the same error", async () => {
    server.use(
      http.post("https://qstash.test/v2/publish/*", () =>
        HttpResponse.json({ error: "quota exceeded" }, { status: 400 }),
      ),
    );
    await expect(job.dispatch({ to: "a" })).rejects.toMatchObject({ code: "PUBLISH_FAILED" });
    server.resetHandlers();
    const [producer] = exporter.getFinishedSpans();
    expect(producer?.status).toEqual({
      code: otel.SpanStatusCode.ERROR,
      message: expect.stringContaining("quota"),
    });
    expect(producer?.events.map((e) => e.name)).toEqual(["exception"]);
  });
});
