import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createSwitchboard } from "@switchboard/core";
import { toNodeHandler } from "@switchboard/core/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type DevServer, startDevServer } from "./start-dev-server";
import { type RouteServer, startRouteServer } from "./testing/route-server";

// One trace from dispatch, through QStash (the dev server, over real HTTP) and the route, to the
// handler, across a retry. The OpenTelemetry SDK records every span in memory.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager().enable();
const tracer = trace.getTracer("test");

let dev: DevServer;
let server: RouteServer;
let app: ReturnType<typeof buildApp>;
let flakyFailures = 1;
const handled: string[] = [];

function buildApp(origin: string) {
  const sb = createSwitchboard({
    url: `${origin}/api/switchboard`,
    qstash: { token: dev.token, baseUrl: dev.url },
    signingKeys: dev.signingKeys,
    logger: { warn: () => {}, error: () => {} },
  });
  const flaky = sb.createJob({
    name: "flaky",
    schema: z.object({ n: z.number() }),
    retries: 2,
    handler: async ({ n }, ctx) =>
      tracer.startActiveSpan("send mail", async (span) => {
        span.end();
        if (flakyFailures-- > 0) throw new Error("mail server hiccup");
        handled.push(`flaky:${n}:attempt${ctx.attempt}`);
      }),
  });
  const dedup = sb.createJob({
    name: "dedup",
    schema: z.object({ n: z.number() }),
    contentBasedDeduplication: true,
    handler: async ({ n }) => void handled.push(`dedup:${n}`),
  });
  const notify = sb.createChannel({
    name: "notify",
    schema: z.object({ userId: z.string() }),
    subscribers: {
      email: async ({ userId }) => void handled.push(`email:${userId}`),
      sms: async ({ userId }) => void handled.push(`sms:${userId}`),
    },
  });
  server.mount("/api/switchboard", toNodeHandler(sb.handler({ jobs: [flaky, dedup], channels: [notify] })));
  return { flaky, dedup, notify };
}

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  dev = await startDevServer({ port: 0, speed: 1000, quiet: true });
  server = await startRouteServer();
  app = buildApp(server.origin);
});
beforeEach(() => {
  exporter.reset();
  handled.length = 0;
});
afterAll(async () => {
  await dev.close();
  await server.close();
  await provider.shutdown();
  contextManager.disable();
  trace.disable();
  context.disable();
});

const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;

describe("traces across the queue", () => {
  it("runs one trace from dispatch through a failed attempt and its retry to the handler", async () => {
    const { messageId, root } = await tracer.startActiveSpan("checkout", async (span) => {
      const result = await app.flaky.dispatch({ n: 1 });
      span.end();
      return { ...result, root: span.spanContext() };
    });
    await vi.waitFor(() => expect(spans("process flaky")).toHaveLength(2));
    expect(handled).toEqual(["flaky:1:attempt2"]);

    const [producer] = spans("dispatch flaky");
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(producer?.spanContext().traceId).toBe(root.traceId);
    expect(parentOf(producer)).toBe(root.spanId);
    expect(producer?.attributes).toMatchObject({
      "messaging.system": "qstash",
      "messaging.operation.type": "send",
      "switchboard.job": "flaky",
      "messaging.message.id": messageId,
    });

    const [first, second] = spans("process flaky").sort(
      (a, b) => Number(a.attributes["switchboard.attempt"]) - Number(b.attributes["switchboard.attempt"]),
    );
    for (const consumer of [first, second]) {
      expect(consumer?.kind).toBe(SpanKind.CONSUMER);
      expect(consumer?.spanContext().traceId).toBe(root.traceId);
      expect(parentOf(consumer)).toBe(producer?.spanContext().spanId);
      expect(consumer?.attributes["messaging.message.id"]).toBe(messageId);
    }
    expect(first?.attributes).toMatchObject({
      "switchboard.attempt": 1,
      "switchboard.outcome": "HANDLER_FAILED",
      "http.response.status_code": 500,
    });
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: expect.stringContaining("hiccup") });
    expect(first?.events.map((e) => e.name)).toEqual(["exception"]);
    expect(first?.events[0]?.attributes?.["exception.message"]).toBe("mail server hiccup");
    expect(second?.attributes).toMatchObject({ "switchboard.attempt": 2, "switchboard.outcome": "success" });
    expect(second?.status.code).toBe(SpanStatusCode.UNSET);

    // The handler's own spans nest under the delivery's span.
    const handlerSpans = spans("send mail");
    expect(handlerSpans.map(parentOf).sort()).toEqual(
      [first?.spanContext().spanId, second?.spanContext().spanId].sort(),
    );
  });

  it("gives a channel publish one producer span, parent of every subscriber's delivery", async () => {
    await app.notify.publish({ userId: "u1" });
    await vi.waitFor(() =>
      expect(exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER)).toHaveLength(2),
    );
    const [producer] = spans("publish notify");
    expect(producer?.attributes).toMatchObject({
      "switchboard.channel": "notify",
      "messaging.batch.message_count": 2,
    });
    const consumers = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
    expect(consumers.map((s) => s.name).sort()).toEqual(["process notify/email", "process notify/sms"]);
    for (const consumer of consumers) {
      expect(parentOf(consumer)).toBe(producer?.spanContext().spanId);
      expect(consumer.attributes).toMatchObject({
        "switchboard.channel": "notify",
        "switchboard.subscriber": consumer.name.split("/")[1],
      });
    }
  });

  it("sends no trace header with content-based deduplication, which hashes forwarded headers", async () => {
    await tracer.startActiveSpan("first", async (span) => {
      await app.dedup.dispatch({ n: 7 });
      span.end();
    });
    const second = await tracer.startActiveSpan("second", async (span) => {
      const result = await app.dedup.dispatch({ n: 7 });
      span.end();
      return result;
    });
    expect(second.deduplicated).toBe(true);
    await vi.waitFor(() => expect(spans("process dedup")).toHaveLength(1));
    const [consumer] = spans("process dedup");
    const producers = spans("dispatch dedup").map((s) => s.spanContext().traceId);
    expect(producers).toHaveLength(2);
    expect(producers).not.toContain(consumer?.spanContext().traceId);
  });
});
