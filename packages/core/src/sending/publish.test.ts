import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client, QstashError } from "@upstash/qstash";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createSwitchboard } from "../create-switchboard";
import type { DispatchOptions } from "./dispatch-options";

// Real sockets on 127.0.0.1, no msw: the point is the exact bytes each path puts on the wire.
interface Captured {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  vi.restoreAllMocks();
});

type Reply = { status: number; body: string };
type Answer = (request: Captured, index: number) => Reply | Promise<Reply>;
const acceptAll: Answer = (request) => {
  const items = JSON.parse(request.body) as unknown[];
  return {
    status: 201,
    body: JSON.stringify(items.map((_, i) => ({ messageId: `msg_${i}`, url: "x" }))),
  };
};

/** A stand-in QStash that records every request and answers with `answer`. */
async function captureQStash(answer: Answer = acceptAll) {
  const requests: Captured[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const captured = {
        method: request.method,
        path: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(captured);
      const { status, body } = await answer(captured, requests.length - 1);
      response.writeHead(status, { "content-type": "application/json" }).end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const schema = z.object({ n: z.number(), text: z.string() });
const payloads = [
  { n: 1, text: "plain" },
  // Hostile text: quotes, escapes, separators JSON.parse treats specially, HTML, astral plane.
  { n: 2, text: `"quoted" \\ back\nnew line \u2028\u2029 </script> 🦆 \u0000` },
  { n: 3, text: "" },
];

/** A job on a switchboard whose `qstash` option is `qstash`, with both hooks (callbacks). */
function jobWith(qstash: ConstructorParameters<typeof Client>[0] | Client, batchSize = 2) {
  const sb = createSwitchboard({
    url: "https://app.example.com/api/switchboard",
    qstash: qstash as never,
    batchSize,
  });
  return sb.createJob({
    name: "fan-out",
    schema,
    handler: () => {},
    onSuccess: () => {},
    onFailure: () => {},
  });
}

/** A batch request's items with the SDK's telemetry headers (naming the SDK itself) left out. */
function itemsOf(request: Captured | undefined): unknown {
  const items = JSON.parse(request?.body ?? "null") as { headers: Record<string, string> }[];
  return items.map((item) => ({
    ...item,
    headers: Object.fromEntries(
      Object.entries(item.headers).filter(([name]) => !name.startsWith("upstash-telemetry-")),
    ),
  }));
}

/**
 * What the SDK sends, less the `Upstash-Method: POST` it always adds and we leave out (QStash
 * delivers with POST when it is absent): asserted here, so the difference is exactly that header.
 */
function lessDefaultMethod<T extends Record<string, unknown>>(headers: T): Omit<T, "upstash-method"> {
  const { "upstash-method": method, ...rest } = headers;
  expect(method).toBe("POST");
  return rest;
}

const everyOption: [string, DispatchOptions][] = [
  ["no options", {}],
  ["delay in seconds", { delay: 30 }],
  ["compound delay", { delay: "1h30m" }],
  ["notBefore as a Date", { notBefore: new Date(1_900_000_000_000) }],
  ["no retries", { retries: 0 }],
  ["retry delay", { retryDelay: "1000 * pow(2, retried)" }],
  ["deduplication id", { deduplicationId: "welcome-42" }],
  ["content-based deduplication", { contentBasedDeduplication: true }],
  ["content-based deduplication off", { contentBasedDeduplication: false }],
  ["timeout", { timeout: "30s" }],
  [
    "flow control, all settings",
    { flowControl: { key: "tenant-1", parallelism: 2, rate: 10, period: "1m" } },
  ],
  ["flow control, rate only", { flowControl: { key: "k", rate: 5 } }],
  ["label", { label: "onboarding" }],
  ["queue", { queue: "emails" }],
  // Headers fold case and join like the SDK's web Headers; content-type* is not forwarded.
  [
    "headers",
    {
      headers: {
        "X-Tenant": "acme",
        "x-tenant": "beta",
        "Content-Type-Hint": "keep",
        Spaced: " padded value ",
      },
    },
  ],
  [
    "everything at once",
    {
      delay: "5m",
      retries: 7,
      retryDelay: "min(86400000, 1000 * pow(2, retried))",
      deduplicationId: "all",
      timeout: 10,
      flowControl: { key: "k", parallelism: 1 },
      label: "l",
      queue: "q",
      headers: { Authorization: "Bearer user-value" },
    },
  ],
];

/** A single publish's request headers with the SDK's telemetry headers left out. */
function headersOf(request: Captured | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(request?.headers ?? {}).filter(([name]) => !name.startsWith("upstash-telemetry-")),
  );
}

describe("dispatch's own publish requests", () => {
  it.each(everyOption)(
    "sends what the official publishJSON / enqueueJSON sends, less Upstash-Method: POST: %s",
    async (_, options) => {
      const qstash = await captureQStash(() => ({
        status: 201,
        body: JSON.stringify({ messageId: "msg_1", url: "x" }),
      }));
      const ours = jobWith({ token: "tok", baseUrl: qstash.baseUrl });
      const official = jobWith(new Client({ token: "tok", baseUrl: qstash.baseUrl, retry: false }));
      const payload = payloads[1]!;
      expect(await ours.dispatch(payload, options)).toEqual({ messageId: "msg_1", deduplicated: false });
      await official.dispatch(payload, options);
      const [sentByUs, sentBySdk] = qstash.requests;
      expect(sentByUs?.method).toBe("POST");
      expect(sentByUs?.path).toBe(sentBySdk?.path);
      const destination = "https://app.example.com/api/switchboard?job=fan-out";
      expect(sentByUs?.path).toBe(
        options.queue ? `/v2/enqueue/${options.queue}/${destination}` : `/v2/publish/${destination}`,
      );
      expect(headersOf(sentByUs)).toEqual(lessDefaultMethod(headersOf(sentBySdk)));
      expect(sentByUs?.body).toBe(sentBySdk?.body);
      expect(JSON.parse(sentByUs?.body ?? "")).toEqual(payload);
    },
  );

  it("turns QStash's error answer into PUBLISH_FAILED with its message", async () => {
    const qstash = await captureQStash(() => ({ status: 400, body: JSON.stringify({ error: "bad delay" }) }));
    await expect(jobWith({ token: "tok", baseUrl: qstash.baseUrl }).dispatch(payloads[0]!)).rejects.toThrow(
      'dispatch of job "fan-out" failed: QStash answered 400: bad delay',
    );
  });
});

describe("dispatchMany's own batch requests", () => {
  it.each<[string, DispatchOptions]>(everyOption)(
    "sends what the official batchJSON sends, less Upstash-Method: POST: %s",
    async (_, options) => {
      const qstash = await captureQStash();
      const ours = jobWith({ token: "tok", baseUrl: qstash.baseUrl });
      const official = jobWith(new Client({ token: "tok", baseUrl: qstash.baseUrl, retry: false }));
      await ours.dispatchMany(payloads, options);
      const sentByUs = qstash.requests.splice(0);
      await official.dispatchMany(payloads, options);
      const sentBySdk = qstash.requests.splice(0);

      expect(sentByUs).toHaveLength(2); // batchSize 2, three payloads
      expect(sentBySdk).toHaveLength(2);
      for (const [index, request] of sentByUs.entries()) {
        const sdk = sentBySdk[index];
        expect(request.method).toBe("POST");
        expect(request.path).toBe("/v2/batch");
        expect(sdk?.path).toBe("/v2/batch");
        expect(request.headers.authorization).toBe("Bearer tok");
        expect(request.headers["content-type"]).toBe("application/json");
        const sdkItems = itemsOf(sdk) as { headers: Record<string, string> }[];
        expect(itemsOf(request)).toEqual(
          sdkItems.map((item) => ({ ...item, headers: lessDefaultMethod(item.headers) })),
        );
      }
      const [first] = itemsOf(sentByUs[0]) as { body: string; headers: Record<string, string> }[];
      expect(JSON.parse(first?.body ?? "")).toEqual(payloads[0]);
    },
  );

  it("keeps the payload's bytes exactly, hostile text included", async () => {
    const qstash = await captureQStash();
    await jobWith({ token: "tok", baseUrl: qstash.baseUrl }, 10).dispatchMany(payloads);
    const items = JSON.parse(qstash.requests[0]?.body ?? "") as { body: string }[];
    expect(items.map((item) => item.body)).toEqual(payloads.map((p) => JSON.stringify(p)));
  });

  it("keeps using a Client the user passed (its telemetry headers show the SDK sent it)", async () => {
    const qstash = await captureQStash();
    await jobWith(new Client({ token: "tok", baseUrl: qstash.baseUrl, retry: false })).dispatchMany([
      payloads[0]!,
    ]);
    const [item] = JSON.parse(qstash.requests[0]?.body ?? "") as { headers: Record<string, string> }[];
    expect(item?.headers["upstash-telemetry-sdk"]).toMatch(/^upstash-qstash-js@/);
  });

  it("returns the message ids in the order of the payloads, whatever order batches finish in", async () => {
    // The first batch is answered only once the fourth has arrived: batches finish out of order.
    let fourthArrived: () => void = () => {};
    const fourth = new Promise<void>((resolve) => {
      fourthArrived = resolve;
    });
    const qstash = await captureQStash(async (request, index) => {
      if (index === 3) fourthArrived();
      if (index === 0) await fourth;
      const items = JSON.parse(request.body) as { body: string }[];
      return {
        status: 201,
        body: JSON.stringify(
          items.map((item) => ({ messageId: `msg_${(JSON.parse(item.body) as { n: number }).n}`, url: "x" })),
        ),
      };
    });
    const job = jobWith({ token: "tok", baseUrl: qstash.baseUrl }, 3);
    const many = Array.from({ length: 20 }, (_, n) => ({ n, text: "x" }));
    const results = await job.dispatchMany(many, { concurrency: 4 });
    expect(results.map((r) => r.messageId)).toEqual(many.map((p) => `msg_${p.n}`));
    expect(qstash.requests).toHaveLength(7);
  });

  it("keeps an answer with more or fewer entries than its batch whole, in batch order", async () => {
    // QStash answers one entry per message; should it not, nothing is dropped or misplaced.
    const qstash = await captureQStash((request, index) => {
      const items = JSON.parse(request.body) as { body: string }[];
      const ids = items.map((item) => `msg_${(JSON.parse(item.body) as { n: number }).n}`);
      const answered = index === 1 ? [...ids, "msg_extra"] : ids;
      return { status: 201, body: JSON.stringify(answered.map((messageId) => ({ messageId, url: "x" }))) };
    });
    const many = Array.from({ length: 5 }, (_, n) => ({ n, text: "x" }));
    const results = await jobWith({ token: "tok", baseUrl: qstash.baseUrl }).dispatchMany(many, {
      concurrency: 2,
    });
    expect(results.map((r) => r.messageId)).toEqual([
      "msg_0",
      "msg_1",
      "msg_2",
      "msg_3",
      "msg_extra",
      "msg_4",
    ]);
  });

  it("reports deduplicated messages", async () => {
    const qstash = await captureQStash(() => ({
      status: 202,
      body: JSON.stringify([{ messageId: "msg_old", url: "x", deduplicated: true }]),
    }));
    const results = await jobWith({ token: "tok", baseUrl: qstash.baseUrl }).dispatchMany([payloads[0]!], {
      deduplicationId: "d",
    });
    expect(results).toEqual([{ messageId: "msg_old", deduplicated: true }]);
  });

  it.each([0, -1, 1.5, "2", Number.NaN])(
    "refuses concurrency %o before sending anything",
    async (concurrency) => {
      const qstash = await captureQStash();
      const job = jobWith({ token: "tok", baseUrl: qstash.baseUrl });
      await expect(job.dispatchMany(payloads, { concurrency: concurrency as number })).rejects.toMatchObject({
        code: "INVALID_OPTIONS",
        message: expect.stringMatching(/concurrency must be a whole number >= 1/),
      });
      expect(qstash.requests).toHaveLength(0);
    },
  );

  it("names the bad payload's index and sends nothing, even with batches in flight", async () => {
    const qstash = await captureQStash();
    const job = jobWith({ token: "tok", baseUrl: qstash.baseUrl });
    const many = [...payloads, { n: "four", text: "x" }, payloads[0]!];
    await expect(job.dispatchMany(many as never, { concurrency: 2 })).rejects.toMatchObject({
      code: "INVALID_PAYLOAD",
      message: expect.stringMatching(/^payload #3: .*nothing was published/),
    });
    expect(qstash.requests).toHaveLength(0);
  });

  it("turns QStash's error answer into PUBLISH_FAILED with its message, keeping the SDK's error as cause", async () => {
    const qstash = await captureQStash(() => ({
      status: 401,
      body: JSON.stringify({ error: "invalid token" }),
    }));
    const error = await jobWith({ token: "tok", baseUrl: qstash.baseUrl })
      .dispatchMany(payloads)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PUBLISH_FAILED" });
    expect((error as Error).message).toBe(
      'dispatchMany of job "fan-out" failed: QStash answered 401: invalid token',
    );
    expect((error as Error).cause).toBeInstanceOf(QstashError);
    expect((error as Error).cause).toMatchObject({ status: 401 });
  });

  it("shows a body that is not QStash's JSON as it came", async () => {
    const qstash = await captureQStash(() => ({ status: 502, body: "<html>Bad gateway</html>" }));
    await expect(jobWith({ token: "tok", baseUrl: qstash.baseUrl }).dispatchMany(payloads)).rejects.toThrow(
      /QStash answered 502: <html>Bad gateway<\/html>$/,
    );
  });

  it("says how many messages QStash accepted before a batch failed", async () => {
    const qstash = await captureQStash((request, index) =>
      index === 1 ? { status: 500, body: JSON.stringify({ error: "boom" }) } : acceptAll(request, index),
    );
    const many = Array.from({ length: 5 }, (_, n) => ({ n, text: "x" }));
    await expect(jobWith({ token: "tok", baseUrl: qstash.baseUrl }).dispatchMany(many)).rejects.toThrow(
      /QStash answered 500: boom \(QStash accepted 2 of the 5 messages, in the batches that succeeded; the others were not published\)$/,
    );
    expect(qstash.requests).toHaveLength(2); // one at a time: nothing after the failure
  });

  it.each<Record<string, string>>([{ "X-Evil": "a\r\nUpstash-Delay: 0s" }, { "Bad Name": "v" }])(
    "refuses a header the SDK refuses (%o), as PUBLISH_FAILED, sending nothing",
    async (headers) => {
      const qstash = await captureQStash();
      const ours = jobWith({ token: "tok", baseUrl: qstash.baseUrl });
      const official = jobWith(new Client({ token: "tok", baseUrl: qstash.baseUrl, retry: false }));
      await expect(ours.dispatchMany(payloads, { headers })).rejects.toMatchObject({
        code: "PUBLISH_FAILED",
      });
      await expect(official.dispatchMany(payloads, { headers })).rejects.toMatchObject({
        code: "PUBLISH_FAILED",
      });
      expect(qstash.requests).toHaveLength(0);
    },
  );

  it("on this machine: tries once and names `switchboard dev` when nothing listens", async () => {
    const qstash = await captureQStash();
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const error = await jobWith({ token: "tok", baseUrl: qstash.baseUrl })
      .dispatchMany(payloads)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PUBLISH_FAILED" });
    expect((error as Error).message).toMatch(
      /could not reach QStash at http:\/\/127\.0\.0\.1:\d+ \(econnrefused\): is `switchboard dev` running\?/,
    );
  });
});
